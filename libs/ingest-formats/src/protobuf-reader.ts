/**
 * The few protobuf wire-format reads our receivers need (varints, fixed 64-bit, length
 * delimited), over a byte range. Every length is checked against the range; a read past it
 * throws ProtobufError with the offset.
 */

export class ProtobufError extends Error {
  readonly code = 'PROTOBUF_CORRUPT';
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export class ProtoReader {
  pos: number;
  readonly view: DataView;
  private readonly text: Buffer;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    public end = buf.length,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.text = Buffer.isBuffer(buf)
      ? buf
      : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Points this reader at another range of the same bytes (no allocation). */
  range(start: number, end: number): this {
    this.pos = start;
    this.end = end;
    return this;
  }

  /** The bytes of a range as a latin1 string: a cheap exact key for a byte sequence. */
  key(start: number, end: number): string {
    return this.text.toString('latin1', start, end);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** An unsigned varint up to 2^53 (protobuf lengths, tags, uint32/uint64 in range). */
  varint(): number {
    const buf = this.buf;
    const p = this.pos;
    // Tags and most lengths are one or two bytes: no loop.
    if (p + 1 < this.end) {
      const b = buf[p]!;
      if (b < 0x80) {
        this.pos = p + 1;
        return b;
      }
      const b1 = buf[p + 1]!;
      if (b1 < 0x80) {
        this.pos = p + 2;
        return (b & 0x7f) | (b1 << 7);
      }
    } else if (p < this.end && buf[p]! < 0x80) {
      this.pos = p + 1;
      return buf[p]!;
    }
    return this.longVarint();
  }

  private longVarint(): number {
    let result = 0;
    let mul = 1;
    for (let k = 0; k < 10; k++) {
      if (this.pos >= this.end) throw new ProtobufError(`truncated varint at ${this.pos}`);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER)
          throw new ProtobufError(`varint over 2^53 at ${this.pos}`);
        return result;
      }
      mul *= 128;
    }
    throw new ProtobufError(`varint longer than 10 bytes at ${this.pos}`);
  }

  /** A signed int64 (two's complement varint), as a number when it is a safe integer. */
  int64(): number {
    const buf = this.buf;
    const p = this.pos;
    // Up to 7 bytes (49 bits: millisecond timestamps until the year 19800) in one pass;
    // anything longer may be negative or past 2^53 and goes the exact way.
    const most = Math.min(7, this.end - p);
    let result = 0;
    let mul = 1;
    for (let k = 0; k < most; k++) {
      const b = buf[p + k]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = p + k + 1;
        return result;
      }
      mul *= 128;
    }
    return this.longInt64();
  }

  private longInt64(): number {
    const start = this.pos;
    let n = 0;
    while (n < 10) {
      if (this.pos + n >= this.end) throw new ProtobufError(`truncated varint at ${start}`);
      if (this.buf[this.pos + n]! < 0x80) break;
      n++;
    }
    if (n < 8) return this.varint(); // at most 56 bits: positive and exact
    let v = 0n;
    for (let k = 0; k <= n; k++) v |= BigInt(this.buf[this.pos + k]! & 0x7f) << BigInt(7 * k);
    this.pos += n + 1;
    const signed = BigInt.asIntN(64, v);
    if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER))
      throw new ProtobufError(`int64 ${signed} out of the safe range at ${start}`);
    return Number(signed);
  }

  /** A zigzag sint64. */
  sint64(): number {
    const u = this.varint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new ProtobufError(`truncated double at ${this.pos}`);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  fixed64AsNumber(): number {
    if (this.pos + 8 > this.end) throw new ProtobufError(`truncated fixed64 at ${this.pos}`);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new ProtobufError(`fixed64 ${v} out of the safe range at ${this.pos - 8}`);
    return Number(v);
  }

  /** A fixed64 as a bigint (nanosecond times exceed 2^53). */
  fixed64Big(): bigint {
    if (this.pos + 8 > this.end) throw new ProtobufError(`truncated fixed64 at ${this.pos}`);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /**
   * The end of a length-delimited field whose content starts at `pos` (the reader stays
   * there): `bytes` without an object.
   */
  lengthEnd(): number {
    const len = this.varint();
    if (len > this.end - this.pos)
      throw new ProtobufError(`field of ${len} bytes at ${this.pos} runs past its message`);
    return this.pos + len;
  }

  /** The bounds of a length-delimited field; the reader moves past it. */
  bytes(): { start: number; end: number } {
    const len = this.varint();
    const start = this.pos;
    if (len > this.end - start)
      throw new ProtobufError(`field of ${len} bytes at ${start} runs past its message`);
    this.pos = start + len;
    return { start, end: start + len };
  }

  string(): string {
    const { start, end } = this.bytes();
    return this.text.toString('utf8', start, end);
  }

  /** Skips a field of the given wire type. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.pos = this.lengthEnd();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new ProtobufError(`unsupported wire type ${wire} at ${this.pos}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new ProtobufError(`truncated field at ${this.pos}`);
    this.pos += n;
  }
}
