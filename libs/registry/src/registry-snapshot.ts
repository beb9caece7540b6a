import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32c } from '@ztsdb/checksum';
import { REGISTRY_SNAPSHOT_FILE } from '@ztsdb/config-lite';
import { writeFileAtomic } from '@ztsdb/fileutil';
import { parseSeriesKey, type SeriesEntry } from '@ztsdb/model';
import { RegistrySnapshotCorruptError } from './errors';

/** "ZTRG" as a little-endian u32. */
export const REGISTRY_SNAPSHOT_MAGIC = 0x4752545a;
export const REGISTRY_SNAPSHOT_VERSION = 1;
const HEADER = 16;

/**
 * Snapshot of KV `ztsdb_series` (docs/format/registry-snapshot.md): magic,
 * version, 3 reserved bytes, u32 entry count, u32 body length, UTF-8 JSON
 * array of entries, CRC-32C of everything before it.
 */
export function encodeRegistrySnapshot(entries: readonly SeriesEntry[]): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(entries));
  const bytes = new Uint8Array(HEADER + body.length + 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, REGISTRY_SNAPSHOT_MAGIC, true);
  view.setUint8(4, REGISTRY_SNAPSHOT_VERSION);
  view.setUint32(8, entries.length, true);
  view.setUint32(12, body.length, true);
  bytes.set(body, HEADER);
  view.setUint32(bytes.length - 4, crc32c(bytes, 0, bytes.length - 4), true);
  return bytes;
}

export function decodeRegistrySnapshot(
  bytes: Uint8Array,
  file = 'registry snapshot',
): SeriesEntry[] {
  const bad = (msg: string, offset: number): never => {
    throw new RegistrySnapshotCorruptError(msg, file, offset);
  };
  if (bytes.length < HEADER + 4) bad(`${bytes.length} bytes is too short`, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== REGISTRY_SNAPSHOT_MAGIC) bad('not a registry snapshot', 0);
  if (view.getUint8(4) !== REGISTRY_SNAPSHOT_VERSION)
    bad(`version ${view.getUint8(4)} is not supported`, 4);
  if (view.getUint8(5) !== 0 || view.getUint16(6, true) !== 0) bad('reserved bytes are set', 5);
  const count = view.getUint32(8, true);
  const len = view.getUint32(12, true);
  if (bytes.length !== HEADER + len + 4) bad(`body of ${len} bytes does not fit the file`, 12);
  if (view.getUint32(bytes.length - 4, true) !== crc32c(bytes, 0, bytes.length - 4))
    bad('checksum mismatch', bytes.length - 4);
  let entries: unknown;
  try {
    entries = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER, HEADER + len)),
    );
  } catch (e) {
    bad(`body is not JSON: ${(e as Error).message}`, HEADER);
  }
  if (!Array.isArray(entries) || entries.length !== count)
    bad(`body is not an array of ${count} entries`, HEADER);
  for (const e of entries as SeriesEntry[])
    if (
      typeof e !== 'object' ||
      e === null ||
      parseSeriesKey(e.id) === undefined ||
      typeof e.name !== 'string' ||
      typeof e.labels !== 'object' ||
      e.labels === null
    )
      bad('an entry lacks its id, name or labels', HEADER);
  return entries as SeriesEntry[];
}

/** The snapshot in `dataDir`, or undefined when there is none. */
export function readRegistrySnapshot(dataDir: string): SeriesEntry[] | undefined {
  const file = path.join(dataDir, REGISTRY_SNAPSHOT_FILE);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return decodeRegistrySnapshot(bytes, file);
}

export async function writeRegistrySnapshot(
  dataDir: string,
  entries: readonly SeriesEntry[],
): Promise<void> {
  const file = path.join(dataDir, REGISTRY_SNAPSHOT_FILE);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, [encodeRegistrySnapshot(entries)]);
}
