/**
 * Block layout (docs/format/block.md):
 *   byte 0        tag: bits 0-5 the encoding, bits 6-7 the compression of the payload
 *                 (0 none, 1 zstd, 2 brotli, 3 reserved)
 *   uvarint       point count (≤ MAX_BLOCK_POINTS)
 *   [uvarint]     only when compressed: length of the uncompressed payload
 *   payload       encoding-specific, to the end of the block
 * An empty block is the single byte TAG_EMPTY.
 */
export const MAX_BLOCK_POINTS = 1_000_000;
export const ENCODING_MASK = 0x3f;
export const COMPRESSION_SHIFT = 6;
export const COMPRESSION_NONE = 0;
export const COMPRESSION_ZSTD = 1;
export const COMPRESSION_BROTLI = 2;
export const COMPRESSION_NAMES = ['', '+zstd', '+brotli'] as const;

export const TAG_EMPTY = 0x00;

export const TAG_TS_CONST_STEP = 0x01;
export const TAG_TS_DELTA = 0x02;
export const TAG_TS_DOD = 0x03;
export const TAG_TS_PLAIN = 0x04;

export const TAG_VAL_CONST = 0x10;
export const TAG_VAL_XOR = 0x11;
export const TAG_VAL_DECIMAL = 0x12;
export const TAG_VAL_DECIMAL_DELTA = 0x13;
export const TAG_VAL_DECIMAL_DOD = 0x14;
export const TAG_VAL_PLAIN = 0x15;
/** Decimal integers divided by their common factor, as offsets/deltas/dods in varints or byte planes. */
export const TAG_VAL_SCALED = 0x16;
/** Scaled decimal integers bit-packed in frames of 128, never compressed: readable by index. */
export const TAG_VAL_PACKED = 0x17;

export const TAG_NAMES: ReadonlyMap<number, string> = new Map([
  [TAG_EMPTY, 'empty'],
  [TAG_TS_CONST_STEP, 'ts-const-step'],
  [TAG_TS_DELTA, 'ts-delta'],
  [TAG_TS_DOD, 'ts-dod'],
  [TAG_TS_PLAIN, 'ts-plain'],
  [TAG_VAL_CONST, 'val-const'],
  [TAG_VAL_XOR, 'val-xor'],
  [TAG_VAL_DECIMAL, 'val-decimal'],
  [TAG_VAL_DECIMAL_DELTA, 'val-decimal-delta'],
  [TAG_VAL_DECIMAL_DOD, 'val-decimal-dod'],
  [TAG_VAL_PLAIN, 'val-plain'],
  [TAG_VAL_SCALED, 'val-decimal-scaled'],
  [TAG_VAL_PACKED, 'val-decimal-packed'],
]);

/** Largest integer magnitude the varint encodings carry (zigzag stays ≤ 2^53). */
export const MAX_VARINT_INT = 2 ** 52;
/** Most bytes one uvarint of ≤ 2^53 takes. */
export const MAX_UVARINT_BYTES = 8;
/** Cap on an uncompressed payload: no valid encoding needs more per point. */
export function maxPayloadBytes(count: number): number {
  return count * 10 + 32;
}

/** Fewest payload bytes a valid block of `count` points with this encoding can have. */
export function minPayloadBytes(encoding: number, count: number): number {
  switch (encoding) {
    case TAG_TS_CONST_STEP:
      return 9;
    case TAG_TS_DELTA:
    case TAG_TS_DOD:
      return 8 + (count - 1);
    case TAG_TS_PLAIN:
    case TAG_VAL_PLAIN:
      return 8 * count;
    case TAG_VAL_CONST:
      return 8;
    case TAG_VAL_XOR:
      return Math.ceil((64 + (count - 1)) / 8);
    case TAG_VAL_DECIMAL:
    case TAG_VAL_DECIMAL_DELTA:
    case TAG_VAL_DECIMAL_DOD:
      return 1 + count;
    case TAG_VAL_SCALED:
      return 4;
    case TAG_VAL_PACKED:
      // mode, e, g, and per frame of 128 at least its width and base.
      return 3 + 2 * Math.ceil(count / 128);
    default:
      return 0;
  }
}
