import { crc32c } from '@ztsdb/checksum';

/**
 * A copy of `data` whose CRC-32C at `at` (u32) covers bytes [from, at), so
 * the fuzzer explores the structure behind the checksum too. Inputs too short
 * to hold the checksum are returned as they are.
 */
export function withCrcLE(
  data: Uint8Array,
  at: number,
  from: number,
  bigEndian = false,
): Uint8Array {
  if (at < from || at + 4 > data.length) return data;
  const out = new Uint8Array(data);
  const v = crc32c(out, from, at);
  new DataView(out.buffer).setUint32(at, v, !bigEndian);
  return out;
}
