import type { BitReader } from './bit-reader';
import type { BitWriter } from './bit-writer';
import { ChunkCorruptError } from './errors';
import { makeFloatScratch } from './float-bits';

const { f64: F64, i32: I32, hi: HI, lo: LO } = makeFloatScratch();

/** "No window yet" marker for the leading-zero count. */
const NO_WINDOW = 0xff;

/**
 * Gorilla XOR encoder for float64 values (the value half of a chunk, also used
 * by blockenc for value columns). The first value is written raw (64 bits);
 * each next value as the XOR with the previous one:
 *   '0'                         XOR is zero (same bit pattern)
 *   '10' + bits                 meaningful bits inside the previous window
 *   '11' + 5b lead + 6b sig + bits   a new window (sig 0 means 64)
 */
export class XorValueWriter {
  private prevHi = 0;
  private prevLo = 0;
  private leading = NO_WINDOW;
  private trailing = 0;
  private started = false;

  reset(): void {
    this.prevHi = 0;
    this.prevLo = 0;
    this.leading = NO_WINDOW;
    this.trailing = 0;
    this.started = false;
  }

  write(w: BitWriter, v: number): void {
    F64[0] = v;
    const hi = I32[HI]!;
    const lo = I32[LO]!;
    if (!this.started) {
      this.started = true;
      this.prevHi = hi;
      this.prevLo = lo;
      w.writeBits(hi, 32);
      w.writeBits(lo, 32);
      return;
    }
    const xh = hi ^ this.prevHi;
    const xl = lo ^ this.prevLo;
    this.prevHi = hi;
    this.prevLo = lo;
    if (xh === 0 && xl === 0) {
      w.writeBit(0);
      return;
    }
    let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    if (lead > 31) lead = 31;
    const trail = xl !== 0 ? 31 - Math.clz32(xl & -xl) : 63 - Math.clz32(xh & -xh);
    const pl = this.leading;
    const pt = this.trailing;
    // Reuse the previous window when it holds the bits and does not waste more
    // than the 11 header bits a new window would cost.
    if (pl !== NO_WINDOW && lead >= pl && trail >= pt && lead + trail - pl - pt <= 11) {
      w.writeBits(0b10, 2);
      writeWindow(w, xh, xl, pl, pt);
      return;
    }
    this.leading = lead;
    this.trailing = trail;
    const sig = 64 - lead - trail;
    w.writeBits((0b11 << 11) | (lead << 6) | (sig & 63), 13);
    writeWindow(w, xh, xl, lead, trail);
  }
}

/** Write bits [lead, 64 - trail) of the 64-bit word (xh, xl); bits outside are zero. */
function writeWindow(w: BitWriter, xh: number, xl: number, lead: number, trail: number): void {
  const end = 64 - trail;
  if (end <= 32) {
    w.writeBits(xh >>> (32 - end), end - lead);
  } else if (lead >= 32) {
    w.writeBits(xl >>> (64 - end), end - lead);
  } else {
    w.writeBits(xh, 32 - lead);
    w.writeBits(xl >>> (64 - end), end - 32);
  }
}

/** Decoder for XorValueWriter; `value` holds the last value read. */
export class XorValueReader {
  value = 0;
  private prevHi = 0;
  private prevLo = 0;
  private leading = NO_WINDOW;
  private trailing = 0;
  private started = false;

  reset(): void {
    this.value = 0;
    this.prevHi = 0;
    this.prevLo = 0;
    this.leading = NO_WINDOW;
    this.trailing = 0;
    this.started = false;
  }

  /** Read the next value into `value`. Throws ChunkCorruptError on bits that cannot be a value. */
  read(r: BitReader): number {
    if (!this.started) {
      this.started = true;
      this.prevHi = r.readBits(32);
      this.prevLo = r.readBits(32);
    } else if (r.readBit() === 0) {
      return this.value;
    } else {
      let lead: number;
      let trail: number;
      if (r.readBit() === 0) {
        lead = this.leading;
        trail = this.trailing;
        if (lead === NO_WINDOW) {
          throw new ChunkCorruptError('XOR window reused before one was set', {
            bitOffset: r.bitOffset,
          });
        }
      } else {
        const head = r.readBits(11);
        lead = head >>> 6;
        const sig = head & 63 || 64;
        trail = 64 - lead - sig;
        if (trail < 0) {
          throw new ChunkCorruptError(`XOR window of ${lead} leading + ${sig} bits exceeds 64`, {
            bitOffset: r.bitOffset,
          });
        }
        this.leading = lead;
        this.trailing = trail;
      }
      const end = 64 - trail;
      if (end <= 32) {
        this.prevHi ^= r.readBits(end - lead) << (32 - end);
      } else if (lead >= 32) {
        this.prevLo ^= r.readBits(end - lead) << (64 - end);
      } else {
        this.prevHi ^= r.readBits(32 - lead);
        this.prevLo ^= r.readBits(end - 32) << (64 - end);
      }
    }
    I32[HI] = this.prevHi;
    I32[LO] = this.prevLo;
    return (this.value = F64[0]!);
  }
}
