import { CorruptionError } from '@ztsdb/errors';

const TWO_32 = 2 ** 32;

/** Growable little-endian byte writer (file and record encoders). */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  /** A writer into `buf` from its start (and past its end into a larger buffer of its own). */
  static into(buf: Uint8Array): ByteWriter {
    const w = new ByteWriter(0);
    w.buf = buf;
    w.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    return w;
  }

  private ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
    return this;
  }
  /** Unsigned integer up to 2^53 as u64 LE. */
  u64(v: number): this {
    this.ensure(8);
    this.view.setUint32(this.length, v % TWO_32, true);
    this.view.setUint32(this.length + 4, Math.floor(v / TWO_32), true);
    this.length += 8;
    return this;
  }
  big64(v: bigint): this {
    this.ensure(8);
    this.view.setBigUint64(this.length, v, true);
    this.length += 8;
    return this;
  }
  f64(v: number): this {
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
    return this;
  }
  /**
   * Lets `fill` write `n` bytes in place at the current end (it gets the buffer
   * and the offset), so an encoder that lays out its own bytes needs no copy.
   */
  inPlace(n: number, fill: (dst: Uint8Array, at: number) => void): this {
    this.ensure(n);
    fill(this.buf, this.length);
    this.length += n;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  /** Overwrite a u32 at an earlier position. */
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }
  /** The whole buffer written into, beyond the bytes written too (to give back to its owner). */
  whole(): Uint8Array {
    return this.buf;
  }
  /** The bytes written so far (a view; copy before writing more if kept). */
  view8(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/**
 * Bounds-checked little-endian reader. Every read past `end` throws the
 * CorruptionError made by `fail`, so a count or length the bytes do not back
 * is never trusted.
 */
export class ByteReader {
  private readonly view: DataView;
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
    private readonly fail: (message: string, offset: number) => CorruptionError = (m, o) =>
      new CorruptionError('ZTSDB_CORRUPT', m, { offset: o }),
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw this.fail(
        `need ${n} bytes at offset ${this.pos}, only ${this.end - this.pos} left`,
        this.pos,
      );
    }
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    if (hi >= 0x200000) throw this.fail(`u64 at offset ${this.pos} exceeds 2^53`, this.pos);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }
  big64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  bytesView(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** Reads `n` f64 values into a fresh (aligned) array. */
  f64Array(n: number): Float64Array {
    this.need(n * 8);
    const out = new Float64Array(n);
    new Uint8Array(out.buffer).set(this.bytes.subarray(this.pos, this.pos + n * 8));
    this.pos += n * 8;
    return out;
  }
  /** Reads `n` u64 values into a fresh (aligned) array. */
  u64Array(n: number): BigUint64Array {
    this.need(n * 8);
    const out = new BigUint64Array(n);
    new Uint8Array(out.buffer).set(this.bytes.subarray(this.pos, this.pos + n * 8));
    this.pos += n * 8;
    return out;
  }
  zero(n: number, what: string): void {
    for (let i = 0; i < n; i++) {
      if (this.u8() !== 0)
        throw this.fail(
          `${what}: reserved byte at offset ${this.pos - 1} is not zero`,
          this.pos - 1,
        );
    }
  }
}
