import { BlockCorruptError } from './errors';
import { makeFloatScratch } from '@ztsdb/chunkenc';

const { f64: F64, i32: I32, hi: HI, lo: LO } = makeFloatScratch();
const TWO_32 = 4294967296;

/**
 * Zigzag's inverse for a non-negative integer x ≤ 2^53, by a division and a floor: x may be a
 * double, and `%` of a double is a call to fmod.
 */
export function unzigzag(x: number): number {
  const h = Math.floor(x / 2);
  return h * 2 === x ? h : -h - 1;
}

/** Bounds-checked reads over `buf[pos, end)`; anything short throws BlockCorruptError. */
export class ByteReader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  get left(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new BlockCorruptError(
        `block ends early: ${what} needs ${n} byte(s), ${this.end - this.pos} left`,
        {
          offset: this.pos,
        },
      );
    }
  }

  byte(): number {
    if (this.pos >= this.end) this.need(1, 'a byte');
    return this.buf[this.pos++]!;
  }

  /** Unsigned LEB128, at most 8 bytes and at most 2^53. */
  uvarint(): number {
    const b = this.buf;
    const end = this.end;
    let p = this.pos;
    let x = 0;
    for (let shift = 0; ; shift += 7) {
      if (p >= end) {
        throw new BlockCorruptError('block ends inside a varint', { offset: p });
      }
      const c = b[p++]!;
      x += shift < 28 ? (c & 0x7f) << shift : (c & 0x7f) * 2 ** shift;
      if (c < 0x80) break;
      if (shift >= 49) throw new BlockCorruptError('varint longer than 8 bytes', { offset: p });
    }
    if (x > 2 ** 53) throw new BlockCorruptError('varint above 2^53', { offset: p });
    this.pos = p;
    return x;
  }

  zigzag(): number {
    return unzigzag(this.uvarint());
  }

  u32(): number {
    this.need(4, 'a 32-bit word');
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  f64(): number {
    const lo = this.u32();
    const hi = this.u32();
    I32[LO] = lo;
    I32[HI] = hi;
    return F64[0]!;
  }

  int64(): number {
    const lo = this.u32();
    const hi = this.u32() | 0;
    const t = hi * TWO_32 + lo;
    if (!Number.isSafeInteger(t)) {
      throw new BlockCorruptError('64-bit integer outside the safe range', {
        offset: this.pos - 8,
      });
    }
    return t;
  }

  /** The payload must end exactly here. */
  expectEnd(what: string): void {
    if (this.pos !== this.end) {
      throw new BlockCorruptError(`${this.end - this.pos} unexpected byte(s) after the ${what}`, {
        offset: this.pos,
      });
    }
  }
}
