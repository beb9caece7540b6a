import { crc32c } from '@ztsdb/checksum';
import { InvalidInputError } from '@ztsdb/errors';
import { BitWriter } from './bit-writer';
import {
  CHUNK_HEADER_BYTES,
  CHUNK_TRAILER_BYTES,
  CHUNK_VERSION,
  MAX_CHUNK_POINTS,
} from './chunk-format';
import { ChunkFullError } from './errors';
import { TimestampWriter } from './timestamp-codec';
import { XorValueWriter } from './xor-values';

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
        'ZTSDB_BAD_TIMESTAMP',
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
