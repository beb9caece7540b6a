import type { BitReader } from './bit-reader';
import type { BitWriter } from './bit-writer';
import * as fmt from './chunk-format';
import { ChunkCorruptError } from './errors';
import { TWO_32 as TWO_32_EXPORT } from './float-bits';

// Module-local copies: imported bindings are getter reads in CommonJS output.
const DOD_BITS_1 = fmt.DOD_BITS_1;
const DOD_BITS_2 = fmt.DOD_BITS_2;
const DOD_BITS_3 = fmt.DOD_BITS_3;
const TWO_32 = TWO_32_EXPORT;
const LIM_1 = 1 << (DOD_BITS_1 - 1);
const LIM_2 = 1 << (DOD_BITS_2 - 1);
const LIM_3 = 1 << (DOD_BITS_3 - 1);
const MASK_1 = (1 << DOD_BITS_1) - 1;
const MASK_2 = (1 << DOD_BITS_2) - 1;
const MASK_3 = (1 << DOD_BITS_3) - 1;

/** Write a safe integer as 64-bit two's complement (high word first). */
export function writeInt64(w: BitWriter, t: number): void {
  const hi = Math.floor(t / TWO_32);
  w.writeBits(hi >>> 0, 32);
  w.writeBits((t - hi * TWO_32) >>> 0, 32);
}

/** Read a 64-bit two's complement integer; it must be a safe integer. */
export function readInt64(r: BitReader): number {
  const hi = r.readBits(32) | 0;
  const t = hi * TWO_32 + r.readBits(32);
  if (!Number.isSafeInteger(t)) {
    throw new ChunkCorruptError('timestamp outside the safe integer range', {
      bitOffset: r.bitOffset,
    });
  }
  return t;
}

/**
 * Delta-of-delta timestamp encoder. Its state is exactly the decoder's: a
 * bucket is used only when the decoder's arithmetic rebuilds `t` bit for bit,
 * otherwise the absolute timestamp is escaped, so any safe integers round-trip.
 */
export class TimestampWriter {
  prevT = 0;
  prevDelta = 0;
  private started = false;

  reset(): void {
    this.prevT = 0;
    this.prevDelta = 0;
    this.started = false;
  }

  write(w: BitWriter, t: number): void {
    if (!this.started) {
      this.started = true;
      writeInt64(w, t);
      this.prevT = t;
      this.prevDelta = 0;
      return;
    }
    const prevT = this.prevT;
    const prevDelta = this.prevDelta;
    const dod = t - prevT - prevDelta;
    const delta = prevDelta + dod;
    if (prevT + delta === t) {
      if (dod === 0) {
        w.writeBit(0);
        this.prevT = t;
        return;
      }
      if (dod >= -LIM_1 && dod < LIM_1) {
        w.writeBits((0b10 << DOD_BITS_1) | (dod & MASK_1), 2 + DOD_BITS_1);
        this.prevT = t;
        this.prevDelta = delta;
        return;
      }
      if (dod >= -LIM_2 && dod < LIM_2) {
        w.writeBits((0b110 << DOD_BITS_2) | (dod & MASK_2), 3 + DOD_BITS_2);
        this.prevT = t;
        this.prevDelta = delta;
        return;
      }
      if (dod >= -LIM_3 && dod < LIM_3) {
        w.writeBits((0b1110 << DOD_BITS_3) | (dod & MASK_3), 4 + DOD_BITS_3);
        this.prevT = t;
        this.prevDelta = delta;
        return;
      }
    }
    w.writeBits(0b1111, 4);
    writeInt64(w, t);
    this.prevDelta = t - prevT;
    this.prevT = t;
  }
}
