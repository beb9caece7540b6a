import { crc32c } from '@ztsdb/checksum';
import { InvalidInputError } from '@ztsdb/errors';
import { BitWriter } from './bit-writer';
import {
  CHUNK_HEADER_BYTES,
  CHUNK_TRAILER_BYTES,
  CHUNK_VERSION,
  MAX_CHUNK_POINTS,
} from './chunk-format';
import { checkChunk } from './chunk-check';
import { ChunkCorruptError, ChunkFullError, CHUNKENC_ERROR_CODES } from './errors';
import { makeFloatScratch } from './float-bits';
import { PACKED_CHUNK_VERSION, decodePackedBody } from './packed-chunk';
import { TimestampWriter } from './timestamp-codec';
import { XorValueWriter } from './xor-values';

const { f64: F64, i32: I32, hi: HI, lo: LO } = makeFloatScratch();
// Module-local constants: imported bindings are getter reads in CommonJS output.
const TWO_32 = 4294967296;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Builds one Gorilla chunk point by point: delta-of-delta timestamps (integer
 * ms) and XOR-compressed float64 values, at most MAX_CHUNK_POINTS points.
 * Timestamps need not be increasing (the head decides ordering); `minT` and
 * `maxT` are the true extremes.
 */
export class XorAppender {
  private readonly bits: BitWriter;
  private readonly ts = new TimestampWriter();
  private readonly vs = new XorValueWriter();
  private n = 0;
  private lo = Infinity;
  private hi = -Infinity;

  constructor(initialCapacityBytes = 256) {
    this.bits = new BitWriter(initialCapacityBytes);
  }

  /**
   * An appender holding the points of a finished chunk (either version), ready
   * for more: after further appends its bytes() equal those of an appender
   * that received every point from the start. A Gorilla (version 1) chunk is
   * scanned once to recover the encoder state and its bit stream is copied, no
   * point is re-encoded; a packed (version 2) chunk is decoded and re-appended.
   * `verifyChecksum: false` skips the CRC for callers whose container already
   * checked the bytes. Throws ChunkCorruptError.
   */
  static resume(
    chunk: Uint8Array,
    verifyChecksum = true,
    initialCapacityBytes = chunk.length + 16,
  ): XorAppender {
    const n = checkChunk(chunk, verifyChecksum);
    const app = new XorAppender(initialCapacityBytes);
    if (n === 0) return app;
    const bodyEnd = chunk.length - CHUNK_TRAILER_BYTES;
    if (chunk[0] === PACKED_CHUNK_VERSION) {
      const ts = new Float64Array(n);
      const vs = new Float64Array(n);
      decodePackedBody(chunk, bodyEnd, n, ts, vs);
      for (let i = 0; i < n; i++) app.append(ts[i]!, vs[i]!);
      return app;
    }
    const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const st = scanXorState(chunk, dv, CHUNK_HEADER_BYTES, bodyEnd, n);
    copyBits(app.bits, chunk, dv, CHUNK_HEADER_BYTES, st.bitLength);
    // Bring both encoders to the decoder's state through their own write():
    // the primer bits go to a scratch stream, never into the chunk.
    const scratch = SCRATCH;
    scratch.reset();
    app.ts.write(scratch, st.lastT);
    app.ts.prevDelta = st.lastDelta;
    if (st.leading < 0) {
      app.vs.write(scratch, wordsToFloat(st.lastHi, st.lastLo));
    } else {
      // An XOR of (bit `leading` | bit 63 - `trailing`) opens exactly the
      // decoder's window, and the last write leaves the last value behind.
      const lead = st.leading;
      const low = 63 - st.trailing;
      let mh = 0;
      let ml = 0;
      if (lead < 32) mh |= 1 << (31 - lead);
      else ml |= 1 << (63 - lead);
      if (low < 32) mh |= 1 << (31 - low);
      else ml |= 1 << (63 - low);
      app.vs.write(scratch, wordsToFloat(st.lastHi ^ mh, st.lastLo ^ ml));
      app.vs.write(scratch, wordsToFloat(st.lastHi, st.lastLo));
    }
    app.n = n;
    app.lo = st.minT;
    app.hi = st.maxT;
    return app;
  }

  /** Points appended so far. */
  get count(): number {
    return this.n;
  }

  /** Smallest timestamp appended (Infinity while empty). */
  get minT(): number {
    return this.lo;
  }

  /** Largest timestamp appended (-Infinity while empty). */
  get maxT(): number {
    return this.hi;
  }

  /** Size in bytes that bytes() would return now. */
  get byteLength(): number {
    return CHUNK_HEADER_BYTES + this.bits.byteLength + CHUNK_TRAILER_BYTES;
  }

  /**
   * Append one point. `t` must be a safe integer (ms); `v` may be any float64,
   * its bit pattern is kept exactly. Throws ChunkFullError when the chunk
   * already holds MAX_CHUNK_POINTS points.
   */
  append(t: number, v: number): void {
    if (this.n >= MAX_CHUNK_POINTS) {
      throw new ChunkFullError(`chunk already holds ${MAX_CHUNK_POINTS} points`, { count: this.n });
    }
    if (!Number.isSafeInteger(t)) {
      throw new InvalidInputError(
        CHUNKENC_ERROR_CODES.badTimestamp,
        `timestamp must be a safe integer (ms), got ${t}`,
      );
    }
    this.ts.write(this.bits, t);
    this.vs.write(this.bits, v);
    this.n++;
    if (t < this.lo) this.lo = t;
    if (t > this.hi) this.hi = t;
  }

  /** Start over with an empty chunk, keeping the buffer. */
  reset(): void {
    this.bits.reset();
    this.ts.reset();
    this.vs.reset();
    this.n = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
  }

  /** The complete chunk so far (a fresh copy the caller may keep). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    out[0] = CHUNK_VERSION;
    out[1] = this.n >>> 8;
    out[2] = this.n & 0xff;
    const bodyEnd = CHUNK_HEADER_BYTES + this.bits.copyTo(out, CHUNK_HEADER_BYTES);
    const crc = crc32c(out, 0, bodyEnd);
    out[bodyEnd] = crc >>> 24;
    out[bodyEnd + 1] = crc >>> 16;
    out[bodyEnd + 2] = crc >>> 8;
    out[bodyEnd + 3] = crc;
    return out;
  }
}

/** Scratch stream for resume's encoder primers (a few dozen bits each time). */
const SCRATCH = new BitWriter(64);

function wordsToFloat(hi: number, lo: number): number {
  I32[HI] = hi;
  I32[LO] = lo;
  return F64[0]!;
}

/** Append the first `bitLength` bits of `src` (`dv` views it) from byte `start` to `w`, a word at a time. */
function copyBits(
  w: BitWriter,
  src: Uint8Array,
  dv: DataView,
  start: number,
  bitLength: number,
): void {
  const full = bitLength >>> 5;
  let o = start;
  for (let i = 0; i < full; i++, o += 4) w.writeBits(dv.getUint32(o), 32);
  const rest = bitLength & 31;
  if (rest === 0) return;
  let word = 0;
  for (let k = 0; k < 4; k++) word = (word << 8) | (o + k < src.length ? src[o + k]! : 0);
  w.writeBits(word >>> (32 - rest), rest);
}

/** Encoder state at the end of a Gorilla bit stream, as scanXorState recovers it. */
interface XorStreamState {
  /** Bits the stream uses (the rest of its last byte is zero padding). */
  bitLength: number;
  lastT: number;
  lastDelta: number;
  minT: number;
  maxT: number;
  lastHi: number;
  lastLo: number;
  /** XOR window of the last new-window value; -1 when none was opened. */
  leading: number;
  trailing: number;
}

/** 32 bits of `b` from stream bit `bp` (MSB first); bytes at or past `end` read as zero. */
function peek32(b: Uint8Array, dv: DataView, bp: number, end: number): number {
  const i = bp >>> 3;
  const s = bp & 7;
  if (i + 4 < end) return (dv.getInt32(i) << s) | (b[i + 4]! >>> (8 - s));
  let w = 0;
  for (let k = 0; k < 4; k++) w = (w << 8) | (i + k < end ? b[i + k]! : 0);
  const last = i + 4 < end ? b[i + 4]! : 0;
  return (w << s) | (last >>> (8 - s));
}

/**
 * Walks the bit stream of a version-1 chunk `b` (`dv` views it), bytes `[start, end)` holding
 * `n ≥ 1` points, with the same arithmetic and checks as decodeXorStream but
 * keeping only the final decoder state (which is the encoder's).
 */
function scanXorState(
  b: Uint8Array,
  dv: DataView,
  start: number,
  end: number,
  n: number,
): XorStreamState {
  const endBit = (end - start) * 8;
  const base = start * 8;
  let t = (peek32(b, dv, base, end) | 0) * TWO_32 + (peek32(b, dv, base + 32, end) >>> 0);
  if (!(t <= MAX_SAFE && t >= -MAX_SAFE))
    throw new ChunkCorruptError('timestamp outside the safe integer range', { bitOffset: 0 });
  let vHi = peek32(b, dv, base + 64, end);
  let vLo = peek32(b, dv, base + 96, end);
  let bp = 128;
  let minT = t;
  let maxT = t;
  let delta = 0;
  let lead = -1;
  let trail = 0;
  let w: number;
  for (let i = 1; i < n; i++) {
    w = peek32(b, dv, base + bp, end);
    if (w >= 0) {
      bp += 1;
      t += delta;
    } else if ((w & 0x40000000) === 0) {
      delta += (w << 2) >> 25;
      t += delta;
      bp += 9;
    } else if ((w & 0x20000000) === 0) {
      delta += (w << 3) >> 18;
      t += delta;
      bp += 17;
    } else if ((w & 0x10000000) === 0) {
      delta += (w << 4) >> 12;
      t += delta;
      bp += 24;
    } else {
      const th = peek32(b, dv, base + bp + 4, end);
      const tl = peek32(b, dv, base + bp + 36, end);
      const abs = (th | 0) * TWO_32 + (tl >>> 0);
      bp += 68;
      if (!(abs <= MAX_SAFE && abs >= -MAX_SAFE))
        throw new ChunkCorruptError('timestamp outside the safe integer range', { bitOffset: bp });
      delta = abs - t;
      t = abs;
    }
    if (!(t <= MAX_SAFE && t >= -MAX_SAFE))
      throw new ChunkCorruptError('timestamp outside the safe integer range', { bitOffset: bp });
    if (t < minT) minT = t;
    if (t > maxT) maxT = t;
    w = peek32(b, dv, base + bp, end);
    if (w >= 0) {
      bp += 1;
      continue;
    }
    if ((w & 0x40000000) === 0) {
      if (lead < 0)
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
      vHi ^= peek32(b, dv, base + bp, end) >>> lead;
      bp += 32 - lead;
      const k2 = e - 32;
      vLo ^= (peek32(b, dv, base + bp, end) >>> (32 - k2)) << (64 - e);
      bp += k2;
    }
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
    minT,
    maxT,
    lastHi: vHi,
    lastLo: vLo,
    leading: lead,
    trailing: trail,
  };
}
