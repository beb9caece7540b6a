/**
 * Append-only bit stream, most significant bit first (bit 0 of the stream is
 * the top bit of byte 0). Full 32-bit words are kept in a Int32Array that
 * grows by doubling; `copyTo` lays them out big-endian.
 */
export class BitWriter {
  private words: Int32Array;
  private wordCount = 0;
  /** Pending bits, left-aligned (the next bit goes at position 31 - accBits). */
  private acc = 0;
  private accBits = 0;

  constructor(initialCapacityBytes = 256) {
    this.words = new Int32Array(Math.max(2, Math.ceil(initialCapacityBytes / 4)));
  }

  /** Bits written so far. */
  get bitLength(): number {
    return this.wordCount * 32 + this.accBits;
  }

  /** Bytes needed to hold the stream, the last one zero-padded. */
  get byteLength(): number {
    return this.wordCount * 4 + ((this.accBits + 7) >>> 3);
  }

  /** Forget everything written, keeping the buffer. */
  reset(): void {
    this.wordCount = 0;
    this.acc = 0;
    this.accBits = 0;
  }

  writeBit(bit: number): void {
    const bits = this.accBits;
    if (bits < 31) {
      this.acc |= (bit & 1) << (31 - bits);
      this.accBits = bits + 1;
    } else {
      this.flush(this.acc | (bit & 1));
      this.acc = 0;
      this.accBits = 0;
    }
  }

  /**
   * Write the low `n` bits of `value` (1 ≤ n ≤ 32). Bits of `value` above the
   * low `n` must be zero.
   */
  writeBits(value: number, n: number): void {
    const free = 32 - this.accBits;
    if (n < free) {
      this.acc |= value << (free - n);
      this.accBits += n;
    } else {
      const rest = n - free;
      this.flush(this.acc | (value >>> rest));
      this.acc = rest === 0 ? 0 : value << (32 - rest);
      this.accBits = rest;
    }
  }

  private flush(word: number): void {
    if (this.wordCount === this.words.length) {
      const bigger = new Int32Array(this.words.length * 2);
      bigger.set(this.words);
      this.words = bigger;
    }
    this.words[this.wordCount++] = word;
  }

  /** Copy the stream (byteLength bytes, big-endian) into `dst` at `offset`; returns bytes written. */
  copyTo(dst: Uint8Array, offset: number): number {
    const words = this.words;
    const n = this.wordCount;
    let o = offset;
    for (let i = 0; i < n; i++) {
      const w = words[i]!;
      dst[o] = w >>> 24;
      dst[o + 1] = w >>> 16;
      dst[o + 2] = w >>> 8;
      dst[o + 3] = w;
      o += 4;
    }
    const acc = this.acc;
    for (let b = 0; b < this.accBits; b += 8) dst[o++] = acc >>> (24 - b);
    return o - offset;
  }
}
