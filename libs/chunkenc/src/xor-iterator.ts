import { BitReader } from './bit-reader';
import { CHUNK_HEADER_BYTES, CHUNK_TRAILER_BYTES, CHUNK_VERSION } from './chunk-format';
import { checkChunk } from './chunk-check';
import { ChunkCorruptError } from './errors';
import { makeFloatScratch } from './float-bits';
import { readInt64 } from './timestamp-codec';
import * as fmt from './chunk-format';

const { f64: F64, i32: I32, hi: HI, lo: LO } = makeFloatScratch();

const NO_WINDOW = 0xff;
const DOD_BITS_1 = fmt.DOD_BITS_1;
const DOD_BITS_2 = fmt.DOD_BITS_2;
const DOD_BITS_3 = fmt.DOD_BITS_3;
const SHIFT_1 = 32 - DOD_BITS_1;
const SHIFT_2 = 32 - DOD_BITS_2;
const SHIFT_3 = 32 - DOD_BITS_3;

/**
 * Walks the points of a chunk without allocating per point. After next()
 * returns true, `t` and `v` hold the current point. (The bit reader is the
 * base class and the decoder state lives in fields here, which keeps the
 * per-point path free of object hops.)
 */
export class XorIterator extends BitReader {
  t = 0;
  v = 0;
  private n = 0;
  private i = 0;
  private delta = 0;
  private vHi = 0;
  private vLo = 0;
  private leading = NO_WINDOW;
  private trailing = 0;

  constructor(chunk?: Uint8Array) {
    super();
    if (chunk) this.reset(chunk);
  }

  /** Points in the current chunk. */
  get count(): number {
    return this.n;
  }

  /**
   * Point the iterator at `chunk`, checking version, count, length and (unless
   * `verifyChecksum` is false, for callers whose container already checked it)
   * the CRC-32C. Throws ChunkCorruptError.
   */
  reset(chunk: Uint8Array, verifyChecksum = true): void {
    this.attach(chunk, 0, 0);
    this.n = 0;
    this.i = 0;
    this.t = 0;
    this.v = 0;
    // The iterator walks Gorilla bits: a packed chunk (version 2) is refused before its checks.
    if (chunk.length > 0 && chunk[0] !== CHUNK_VERSION) {
      throw new ChunkCorruptError(`unknown chunk version ${chunk[0]}`, { offset: 0 });
    }
    const n = checkChunk(chunk, verifyChecksum);
    const bodyEnd = chunk.length - CHUNK_TRAILER_BYTES;
    this.attach(chunk, CHUNK_HEADER_BYTES, bodyEnd);
    this.delta = 0;
    this.vHi = 0;
    this.vLo = 0;
    this.leading = NO_WINDOW;
    this.trailing = 0;
    this.n = n;
  }

  /** Advance to the next point; false at the end. Throws ChunkCorruptError on bad bits. */
  next(): boolean {
    const i = this.i;
    if (i >= this.n) return false;
    if (i === 0) {
      this.t = readInt64(this);
      this.vHi = this.readBits(32);
      this.vLo = this.readBits(32);
    } else {
      this.nextTimestamp();
      if (this.readBit() !== 0) this.nextValue();
    }
    I32[HI] = this.vHi;
    I32[LO] = this.vLo;
    this.v = F64[0]!;
    this.i = i + 1;
    if (i + 1 === this.n && !this.atPaddedEnd()) {
      throw new ChunkCorruptError(
        `${this.bitsLeft} unexpected bit(s) after the last of ${this.n} points`,
        {
          offset: CHUNK_HEADER_BYTES + (this.bitOffset >>> 3),
          bitOffset: this.bitOffset,
        },
      );
    }
    return true;
  }

  private nextTimestamp(): void {
    if (this.readBit() === 0) {
      this.t += this.delta;
      return;
    }
    // Count the prefix: '10', '110', '1110' or the '1111' escape.
    let ones = 1;
    while (ones < 4 && this.readBit() === 1) ones++;
    let dod: number;
    if (ones === 1) {
      dod = (this.readBits(DOD_BITS_1) << SHIFT_1) >> SHIFT_1;
    } else if (ones === 2) {
      dod = (this.readBits(DOD_BITS_2) << SHIFT_2) >> SHIFT_2;
    } else if (ones === 3) {
      dod = (this.readBits(DOD_BITS_3) << SHIFT_3) >> SHIFT_3;
    } else {
      const t = readInt64(this);
      this.delta = t - this.t;
      this.t = t;
      return;
    }
    const delta = this.delta + dod;
    const t = this.t + delta;
    if (t > Number.MAX_SAFE_INTEGER || t < -Number.MAX_SAFE_INTEGER) {
      throw new ChunkCorruptError('timestamp outside the safe integer range', {
        bitOffset: this.bitOffset,
      });
    }
    this.delta = delta;
    this.t = t;
  }

  /** A value whose XOR with the previous one is not zero ('1' already read). */
  private nextValue(): void {
    let lead: number;
    let trail: number;
    if (this.readBit() === 0) {
      lead = this.leading;
      trail = this.trailing;
      if (lead === NO_WINDOW) {
        throw new ChunkCorruptError('XOR window reused before one was set', {
          bitOffset: this.bitOffset,
        });
      }
    } else {
      const head = this.readBits(11);
      lead = head >>> 6;
      const sig = head & 63 || 64;
      trail = 64 - lead - sig;
      if (trail < 0) {
        throw new ChunkCorruptError(`XOR window of ${lead} leading + ${sig} bits exceeds 64`, {
          bitOffset: this.bitOffset,
        });
      }
      this.leading = lead;
      this.trailing = trail;
    }
    const end = 64 - trail;
    if (end <= 32) {
      this.vHi ^= this.readBits(end - lead) << (32 - end);
    } else {
      // lead ≤ 31 always (5-bit field), so the window starts in the high word.
      this.vHi ^= this.readBits(32 - lead);
      this.vLo ^= this.readBits(end - 32) << (64 - end);
    }
  }
}
