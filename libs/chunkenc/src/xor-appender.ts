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
import { ChunkFullError, CHUNKENC_ERROR_CODES } from './errors';
import { makeFloatScratch } from './float-bits';
import { PACKED_CHUNK_VERSION, decodePackedBody } from './packed-chunk';
import { decodeXorStream } from './xor-decode';
import { TimestampWriter } from './timestamp-codec';
import { XorValueWriter } from './xor-values';

const { f64: F64, i32: I32, hi: HI, lo: LO } = makeFloatScratch();

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
    // One decode recovers the encoder state (and the time range); the bits are then copied.
    // The points land in module scratch: a takeover resumes every open chunk of a partition,
    // and two arrays per chunk were a fifth of its cost (allocation and GC).
    const ts = RESUME_TS;
    const st = decodeXorStream(chunk, CHUNK_HEADER_BYTES, bodyEnd, n, ts, RESUME_VS);
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
    let lo = ts[0]!;
    let hi = lo;
    for (let i = 1; i < n; i++) {
      const t = ts[i]!;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    app.lo = lo;
    app.hi = hi;
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
    this.writeTo(out, 0);
    return out;
  }

  /**
   * Writes the bytes that bytes() would return into `dst` at `offset` (which
   * must have byteLength bytes free there); returns the offset after them.
   * Lets a container (a head snapshot) hold the chunk without a copy of its own.
   */
  writeTo(dst: Uint8Array, offset: number): number {
    dst[offset] = CHUNK_VERSION;
    dst[offset + 1] = this.n >>> 8;
    dst[offset + 2] = this.n & 0xff;
    const bodyEnd =
      offset + CHUNK_HEADER_BYTES + this.bits.copyTo(dst, offset + CHUNK_HEADER_BYTES);
    const crc = crc32c(dst, offset, bodyEnd);
    dst[bodyEnd] = crc >>> 24;
    dst[bodyEnd + 1] = crc >>> 16;
    dst[bodyEnd + 2] = crc >>> 8;
    dst[bodyEnd + 3] = crc;
    return bodyEnd + CHUNK_TRAILER_BYTES;
  }
}

/** Scratch stream for resume's encoder primers (a few dozen bits each time). */
const SCRATCH = new BitWriter(64);
/** Decoded points of the chunk being resumed (checkChunk bounds n by MAX_CHUNK_POINTS). */
const RESUME_TS = new Float64Array(MAX_CHUNK_POINTS);
const RESUME_VS = new Float64Array(MAX_CHUNK_POINTS);

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
