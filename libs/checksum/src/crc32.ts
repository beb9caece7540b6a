// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): zlib's, native in Node 20.15+.
import * as zlib from 'node:zlib';

const POLY = 0xedb88320;
type Crc32 = (data: Uint8Array, value?: number) => number;
/** zlib's crc32 (Node 20.15+, 22.2+): several times faster than a table loop in JavaScript. */
const native = (zlib as unknown as { crc32?: Crc32 }).crc32;

let table: Int32Array | undefined;

function slow(bytes: Uint8Array, seed: number): number {
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
      table[n] = c;
    }
  }
  const t = table;
  let crc = ~seed;
  for (let i = 0; i < bytes.length; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** Whether crc32 runs natively here (false: a JavaScript table loop, same results). */
export const CRC32_NATIVE = typeof native === 'function';

/**
 * CRC-32 of `bytes[start, end)`, as zlib, gzip and PNG compute it. Pass a previous result as
 * `seed` to continue a checksum over several pieces.
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  return native ? native(view, seed) >>> 0 : slow(view, seed);
}

/** The JavaScript loop crc32 falls back to, exported for its tests. */
export const crc32Portable = (bytes: Uint8Array, seed = 0): number => slow(bytes, seed);
