const OFFSET_BASIS = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const encoder = new TextEncoder();

/** FNV-1a, 64-bit, over raw bytes. */
export function fnv1a64Bytes(bytes: Uint8Array): bigint {
  // Two 32-bit halves keep the loop in small integers; BigInt only at the end.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]!) >>> 0;
    // multiply (hi,lo) by the prime 0x100_000001b3 = 2^40 + 0x1b3
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 0x100000000);
    const newLo = loMul >>> 0;
    const newHi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
    hi = newHi;
    lo = newLo;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** FNV-1a, 64-bit, over a string's UTF-8 bytes. */
export function fnv1a64(text: string): bigint {
  return fnv1a64Bytes(encoder.encode(text));
}

/** Reference implementation in BigInt; kept for tests of the fast path. */
export function fnv1a64Reference(bytes: Uint8Array): bigint {
  let h = OFFSET_BASIS;
  for (const b of bytes) h = ((h ^ BigInt(b)) * PRIME) & MASK;
  return h;
}
