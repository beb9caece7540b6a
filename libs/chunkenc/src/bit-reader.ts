import { ChunkCorruptError } from './errors';

/**
 * Reads a BitWriter stream from `bytes[start, end)`. Running past `end` throws
 * ChunkCorruptError (with the bit offset), never returns made-up bits.
 */
export class BitReader {
  protected buf: Uint8Array = new Uint8Array(0);
  protected start = 0;
  protected pos = 0;
  protected end = 0;
  /** Unread bits, left-aligned. */
  protected acc = 0;
  protected accBits = 0;

  constructor(bytes?: Uint8Array, start = 0, end = bytes ? bytes.length : 0) {
    if (bytes) this.attach(bytes, start, end);
  }

  attach(bytes: Uint8Array, start = 0, end = bytes.length): void {
    this.buf = bytes;
    this.start = start;
    this.pos = start;
    this.end = end;
    this.acc = 0;
    this.accBits = 0;
  }

  /** Bits consumed since `start`. */
  get bitOffset(): number {
    return (this.pos - this.start) * 8 - this.accBits;
  }

  /** Bits left before `end`. */
  get bitsLeft(): number {
    return (this.end - this.pos) * 8 + this.accBits;
  }

  /** True when fewer than 8 bits are left and all of them are zero (a writer's padding). */
  atPaddedEnd(): boolean {
    return this.pos === this.end && this.accBits < 8 && this.acc === 0;
  }

  readBit(): number {
    if (this.accBits === 0) this.refill();
    const acc = this.acc;
    this.acc = acc << 1;
    this.accBits--;
    return acc >>> 31;
  }

  /** Read `n` bits (1 ≤ n ≤ 32) as an unsigned number. */
  readBits(n: number): number {
    const bits = this.accBits;
    if (n <= bits) {
      const acc = this.acc;
      this.acc = n === 32 ? 0 : acc << n;
      this.accBits = bits - n;
      return acc >>> (32 - n);
    }
    const need = n - bits;
    const high = bits === 0 ? 0 : this.acc >>> (32 - bits);
    this.refill();
    if (this.accBits < need) this.underflow(need);
    const acc = this.acc;
    this.acc = need === 32 ? 0 : acc << need;
    this.accBits -= need;
    return ((need === 32 ? 0 : high << need) | (acc >>> (32 - need))) >>> 0;
  }

  private refill(): void {
    const p = this.pos;
    const left = this.end - p;
    const b = this.buf;
    if (left >= 4) {
      this.acc = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
      this.accBits = 32;
      this.pos = p + 4;
    } else if (left > 0) {
      let acc = 0;
      for (let i = 0; i < left; i++) acc |= b[p + i]! << (24 - 8 * i);
      this.acc = acc;
      this.accBits = left * 8;
      this.pos = this.end;
    } else {
      this.acc = 0;
      this.accBits = 0;
      this.underflow(1);
    }
  }

  private underflow(need: number): never {
    throw new ChunkCorruptError(`bit stream ends early: ${need} more bit(s) needed`, {
      offset: this.end,
      bitOffset: this.bitOffset,
    });
  }
}
