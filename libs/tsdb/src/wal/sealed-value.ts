import { crc32, crc32c } from '@ztsdb/checksum';
import { IndexCorruptError } from '../errors';

// The 8-byte wrapper of `imeta` values (docs/format/wal.md):
// [version u8][reserved ×3][checksum u32 of the payload][payload].

/** Wrapper versions whose checksum is a CRC-32; the others' is a CRC-32C. */
const CRC32_VERSIONS: readonly number[] = [3];

/** The checksum a wrapper of `version` carries over `bytes[start, end)`, continuing `seed`. */
export function checksum(
  version: number,
  bytes: Uint8Array,
  start: number,
  end = bytes.length,
  seed = 0,
): number {
  return CRC32_VERSIONS.includes(version)
    ? crc32(bytes, start, end, seed)
    : crc32c(bytes, start, end, seed);
}

/** Fills in the 8-byte header of `sealed` (header, then payload) from its payload (or its `sum`). */
export function sealInPlace(
  sealed: Buffer,
  version: number,
  sum = checksum(version, sealed, 8),
): Buffer {
  sealed[0] = version;
  sealed[1] = sealed[2] = sealed[3] = 0;
  sealed.writeUInt32LE(sum, 4);
  return sealed;
}

/** The payload of a sealed value of one of `versions`, its checksum checked. */
export function unseal(what: string, value: Uint8Array, versions: readonly number[]): Uint8Array {
  const b = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (b.length < 8 || !versions.includes(b[0]!) || b[1] !== 0 || b[2] !== 0 || b[3] !== 0) {
    throw new IndexCorruptError(`${what}: bad header`, { key: what, offset: 0 });
  }
  if (checksum(b[0]!, b, 8) !== b.readUInt32LE(4)) {
    const kind = CRC32_VERSIONS.includes(b[0]!) ? 'CRC-32' : 'CRC-32C';
    throw new IndexCorruptError(`${what}: ${kind} mismatch`, { key: what, offset: 4 });
  }
  return b.subarray(8);
}
