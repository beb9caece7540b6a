import { ChunkCorruptError } from './errors';
import { makeFloatScratch } from './float-bits';

// Module-local constants and scratch: imported bindings are getter reads in
// CommonJS output, which this loop must not do per point.
const { hi: HI, lo: LO } = makeFloatScratch();
const TWO_32 = 4294967296;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const NO_WINDOW = 0xff;

/**
 * 32 bits of `b` starting at stream bit `bp` (MSB first); bits past `end`
 * (a byte offset) read as zero. The caller checks the final bit position
 * against the stream length, so reading zeros past the end is never trusted.
 */
function peek32(b: Uint8Array, dv: DataView, bp: number, end: number): number {
  const i = bp >>> 3;
  const s = bp & 7;
  if (i + 4 < end) return (dv.getInt32(i) << s) | (b[i + 4]! >>> (8 - s));
  let w = 0;
  for (let k = 0; k < 4; k++) w = (w << 8) | (i + k < end ? b[i + k]! : 0);
  const last = i + 4 < end ? b[i + 4]! : 0;
  return (w << s) | (last >>> (8 - s));
}

/** Decoder state at the end of a Gorilla bit stream, which is the encoder's: what resuming needs. */
export interface XorStreamState {
  /** Bits the stream uses (the rest of its last byte is zero padding). */
  bitLength: number;
  lastT: number;
  lastDelta: number;
  lastHi: number;
  lastLo: number;
  /** XOR window of the last new-window value; -1 when none was opened. */
  leading: number;
  trailing: number;
}

/**
 * Decodes the bit stream of a version-1 (Gorilla) chunk, bytes
 * `[start, end)`, holding `n ≥ 1` points, into `ts`/`vs` from index 0, and
 * returns the final decoder state. The one timestamp and value decode loop
 * of the bulk paths (decodeChunk, XorAppender.resume), its state in locals.
 * Same checks as XorIterator (throws ChunkCorruptError).
 */
export function decodeXorStream(
  b: Uint8Array,
  start: number,
  end: number,
  n: number,
  ts: Float64Array,
  vs: Float64Array,
): XorStreamState {
  // Values are written as their two 32-bit halves straight into the output:
  // no float reload through a scratch word per point.
  const v32 = new Int32Array(vs.buffer, vs.byteOffset, vs.length * 2);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const endBit = (end - start) * 8;
  // bp counts bits from byte `start`; peek32 takes absolute bit positions.
  const base = start * 8;
  let w = peek32(b, dv, base, end);
  const hi0 = w;
  w = peek32(b, dv, base + 32, end);
  let t = (hi0 | 0) * TWO_32 + (w >>> 0);
  if (!(t <= MAX_SAFE && t >= -MAX_SAFE))
    throw new ChunkCorruptError('timestamp outside the safe integer range', { bitOffset: 0 });
  let vHi = peek32(b, dv, base + 64, end);
  let vLo = peek32(b, dv, base + 96, end);
  let bp = 128;
  ts[0] = t;
  v32[HI] = vHi;
  v32[LO] = vLo;
  let delta = 0;
  let lead = NO_WINDOW;
  let trail = 0;
  for (let i = 1; i < n; i++) {
    // Timestamp.
    w = peek32(b, dv, base + bp, end);
    if (w >= 0) {
      // '0': dod = 0
      bp += 1;
      t += delta;
    } else if ((w & 0x40000000) === 0) {
      // '10' + 7 bits
      delta += (w << 2) >> 25;
      t += delta;
      bp += 9;
    } else if ((w & 0x20000000) === 0) {
      // '110' + 14 bits
      delta += (w << 3) >> 18;
      t += delta;
      bp += 17;
    } else if ((w & 0x10000000) === 0) {
      // '1110' + 20 bits
      delta += (w << 4) >> 12;
      t += delta;
      bp += 24;
    } else {
      // '1111' + 64-bit absolute timestamp
      const th = peek32(b, dv, base + bp + 4, end);
      const tl = peek32(b, dv, base + bp + 36, end);
      const abs = (th | 0) * TWO_32 + (tl >>> 0);
      bp += 68;
      if (!(abs <= MAX_SAFE && abs >= -MAX_SAFE)) {
        throw new ChunkCorruptError('timestamp outside the safe integer range', { bitOffset: bp });
      }
      delta = abs - t;
      t = abs;
    }
    if (!(t <= MAX_SAFE && t >= -MAX_SAFE)) {
      throw new ChunkCorruptError('timestamp outside the safe integer range', { bitOffset: bp });
    }
    ts[i] = t;
    // Value.
    w = peek32(b, dv, base + bp, end);
    if (w >= 0) {
      bp += 1;
      v32[2 * i + HI] = vHi;
      v32[2 * i + LO] = vLo;
      continue;
    }
    if ((w & 0x40000000) === 0) {
      if (lead === NO_WINDOW)
        throw new ChunkCorruptError('XOR window reused before one was set', { bitOffset: bp });
      bp += 2;
    } else {
      lead = (w >>> 25) & 31;
      const sig = (w >>> 19) & 63 || 64;
      trail = 64 - lead - sig;
      if (trail < 0) {
        throw new ChunkCorruptError(`XOR window of ${lead} leading + ${sig} bits exceeds 64`, {
          bitOffset: bp + 13,
        });
      }
      bp += 13;
    }
    const e = 64 - trail;
    if (e <= 32) {
      const k = e - lead;
      vHi ^= (peek32(b, dv, base + bp, end) >>> (32 - k)) << (32 - e);
      bp += k;
    } else {
      const k1 = 32 - lead;
      vHi ^= peek32(b, dv, base + bp, end) >>> lead;
      bp += k1;
      const k2 = e - 32;
      vLo ^= (peek32(b, dv, base + bp, end) >>> (32 - k2)) << (64 - e);
      bp += k2;
    }
    v32[2 * i + HI] = vHi;
    v32[2 * i + LO] = vLo;
  }
  if (bp > endBit) {
    throw new ChunkCorruptError(`bit stream ends early: ${bp - endBit} more bit(s) needed`, {
      offset: end,
      bitOffset: bp,
    });
  }
  const left = endBit - bp;
  if (left >= 8 || (left > 0 && peek32(b, dv, base + bp, end) >>> (32 - left) !== 0)) {
    throw new ChunkCorruptError(`${left} unexpected bit(s) after the last of ${n} points`, {
      offset: start + (bp >>> 3),
      bitOffset: bp,
    });
  }
  return {
    bitLength: bp,
    lastT: t,
    lastDelta: delta,
    lastHi: vHi,
    lastLo: vLo,
    leading: lead === NO_WINDOW ? -1 : lead,
    trailing: trail,
  };
}
