// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8.
const POLY = 0x82f63b78;
/**
 * The eight slicing tables one after the other (table k at 256·k), as int32: every step
 * stays in small-integer arithmetic, where uint32 entries above 2^31 were doubles in V8,
 * and one array instead of eight is one bounds check and base pointer for every lookup.
 */
const T: Int32Array = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let i = 1; i < 8; i++)
    for (let n = 0; n < 256; n++) {
      const prev = t[256 * (i - 1) + n]!;
      t[256 * i + n] = (prev >>> 8) ^ t[prev & 0xff]!;
    }
  return t;
}

/** Whether an Int32Array view reads bytes in little-endian order (the byte loop's order). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * CRC-32C of `bytes[start, end)`. Pass a previous result as `seed` to continue
 * a checksum over several pieces.
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  const t = T;
  let crc = ~seed;
  let i = start;
  if (LITTLE_ENDIAN && end - i >= 64) {
    // Eight bytes a step read as two aligned words (two loads instead of eight).
    while (((bytes.byteOffset + i) & 3) !== 0) crc = t[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8);
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + i, ((end - i) >>> 3) * 2);
    const n = words.length;
    for (let w = 0; w < n; w += 2) {
      const a = crc ^ words[w]!;
      const b = words[w + 1]!;
      crc =
        t[1792 + (a & 0xff)]! ^
        t[1536 + ((a >>> 8) & 0xff)]! ^
        t[1280 + ((a >>> 16) & 0xff)]! ^
        t[1024 + (a >>> 24)]! ^
        t[768 + (b & 0xff)]! ^
        t[512 + ((b >>> 8) & 0xff)]! ^
        t[256 + ((b >>> 16) & 0xff)]! ^
        t[b >>> 24]!;
    }
    i += n * 4;
  }
  while (end - i >= 8) {
    const a =
      crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
    i += 8;
  }
  while (i < end) crc = t[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
