import { makeFloatScratch } from '@ztsdb/chunkenc';

const { f64: F64, i32: I32, hi: HI, lo: LO } = makeFloatScratch();
const TWO_32 = 4294967296;

/** Growable byte buffer with the primitive writes blocks are made of. */
export class ByteWriter {
  buf: Uint8Array;
  len = 0;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Unsigned LEB128 of an integer 0 ≤ x ≤ 2^53. */
  uvarint(x: number): void {
    this.ensure(8);
    const b = this.buf;
    let p = this.len;
    while (x > 0x7fffffff) {
      b[p++] = (x % 128) | 0x80;
      x = Math.floor(x / 128);
    }
    while (x > 0x7f) {
      b[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    b[p++] = x;
    this.len = p;
  }

  /** Zigzag then uvarint of an integer with |v| ≤ 2^52. */
  zigzag(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** A float64's exact bit pattern, little-endian. */
  f64(v: number): void {
    F64[0] = v;
    this.u32(I32[LO]!);
    this.u32(I32[HI]!);
  }

  /** A safe integer as 64-bit two's complement, little-endian. */
  int64(t: number): void {
    const hi = Math.floor(t / TWO_32);
    this.u32((t - hi * TWO_32) >>> 0);
    this.u32(hi >>> 0);
  }

  u32(x: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.len;
    b[p] = x;
    b[p + 1] = x >>> 8;
    b[p + 2] = x >>> 16;
    b[p + 3] = x >>> 24;
    this.len = p + 4;
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  /** The bytes written, as a right-sized copy. */
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Bytes a uvarint of x takes. */
export function uvarintLength(x: number): number {
  if (x < 0x80) return 1;
  if (x < 0x4000) return 2;
  if (x < 0x200000) return 3;
  if (x < 0x10000000) return 4;
  if (x < 2 ** 35) return 5;
  if (x < 2 ** 42) return 6;
  if (x < 2 ** 49) return 7;
  return 8;
}

/** Bytes the zigzag varint of v takes. */
export function zigzagLength(v: number): number {
  return uvarintLength(v >= 0 ? v * 2 : -v * 2 - 1);
}
