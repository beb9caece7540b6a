/**
 * Reads structured values out of fuzzer bytes, so round-trip targets can
 * build encoder input from the same bytes the fuzzer mutates. Past the end
 * every read gives zero: any input is a valid recipe.
 */
export class FuzzInput {
  private off = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return Math.max(0, this.bytes.length - this.off);
  }

  u8(): number {
    return this.off < this.bytes.length ? this.bytes[this.off++]! : 0;
  }

  u16(): number {
    return this.u8() | (this.u8() << 8);
  }

  u32(): number {
    return (this.u16() | (this.u16() << 16)) >>> 0;
  }

  /** An integer in [0, max]. */
  int(max: number): number {
    return max <= 0 ? 0 : this.u32() % (max + 1);
  }

  u64(): bigint {
    return BigInt(this.u32()) | (BigInt(this.u32()) << 32n);
  }

  f64(): number {
    if (this.off + 8 > this.bytes.length) {
      this.off = this.bytes.length;
      return 0;
    }
    const v = this.view.getFloat64(this.off, true);
    this.off += 8;
    return v;
  }

  /** A float that favours the values codecs special-case. */
  value(): number {
    const k = this.u8();
    switch (k & 7) {
      case 0:
        return this.f64();
      case 1:
        return (this.u16() - 0x8000) / 10 ** (k >> 5);
      case 2:
        return [0, -0, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE][k % 7]!;
      default:
        return this.u8();
    }
  }

  /** Non-decreasing integer timestamps from a base, with steps that favour regularity. */
  timestamps(n: number): number[] {
    const out: number[] = [];
    let t = 1_700_000_000_000 + this.u32();
    let step = 1 + this.u16();
    for (let i = 0; i < n; i++) {
      const k = this.u8();
      if (k < 16) step = this.u32() % 100_000_000;
      else if (k < 32) step = Math.max(0, step + (k - 24));
      t += step;
      out.push(t);
    }
    return out;
  }

  string(maxLength: number): string {
    const n = this.int(maxLength);
    let s = '';
    for (let i = 0; i < n && this.remaining > 0; i++) s += String.fromCharCode(this.u8());
    return s;
  }
}
