import { crc32c } from '@ztsdb/checksum';
import { WireDecodeError, WIRE_ERROR_CODES } from './errors';

/** "ZTMS" as a little-endian u32 (a manifest event is "ZTME"). */
export const MANIFEST_SNAPSHOT_MAGIC = 0x534d545a;
export const MANIFEST_SNAPSHOT_VERSION = 1;
const HEADER = 12;
const MAX_BODY = 16 << 20;

/**
 * One catalog entry, whole: the fields every reader relies on are typed;
 * any other field the compactor's catalog keeps rides along as it is, so a
 * field added to file events later survives a snapshot without a new version.
 */
export interface ManifestSnapshotFile {
  file: string;
  tier: 'warm' | 'cold';
  partition: number;
  bytes: number;
  crc32c: number;
  minT: number;
  maxT: number;
  seriesCount: number;
  points: number;
  atMs: number;
  supersededAtMs?: number;
  supersededBy?: string;
  expiredAtMs?: number;
  [field: string]: unknown;
}

/**
 * The catalog of one partition as the manifest events up to `throughSeq`
 * left it (docs/format/manifest.md, "Catalog snapshot"). Replaying the
 * stream from a snapshot gives the same catalog as replaying every event
 * before it, so the compactor purges what precedes an older snapshot.
 */
export interface ManifestSnapshot {
  partition: number;
  /** Wall clock of the compactor when it took the snapshot. */
  atMs: number;
  /** Stream sequence of the last manifest message of the partition the snapshot includes. */
  throughSeq: number;
  files: ManifestSnapshotFile[];
  /** Files recently recorded as removed (warm-removed), so a start-up still deletes a crash's leftover. */
  removed: string[];
  /** Highest warm segment sequence the partition's events ever named. */
  warmSeq: number;
  /** Highest cold generation any event ever named (all partitions). */
  coldGen: number;
  /** Every chunk of the partition in `ZTSDB_CHUNKS` up to this sequence is in a warm file. */
  chunksThrough: number;
  /** `chunkSeqs` of the newest warm file of any partition (where the chunk consumer resumes). */
  newestChunks?: { max: number; batchMin: number };
}

/** Frame: magic, version, 3 reserved bytes, u32 body length, UTF-8 JSON body, CRC-32C (as a manifest event). */
export function encodeManifestSnapshot(s: ManifestSnapshot): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(s));
  if (body.length > MAX_BODY)
    throw new RangeError(`manifest snapshot body of ${body.length} bytes is over ${MAX_BODY}`);
  const bytes = new Uint8Array(HEADER + body.length + 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MANIFEST_SNAPSHOT_MAGIC, true);
  view.setUint8(4, MANIFEST_SNAPSHOT_VERSION);
  view.setUint32(8, body.length, true);
  bytes.set(body, HEADER);
  view.setUint32(bytes.length - 4, crc32c(bytes, 0, bytes.length - 4), true);
  return bytes;
}

/** Whether a manifest message is a snapshot (by its magic; decodeManifestSnapshot checks the rest). */
export function isManifestSnapshot(message: Uint8Array): boolean {
  return (
    message.length >= 4 &&
    new DataView(message.buffer, message.byteOffset, 4).getUint32(0, true) ===
      MANIFEST_SNAPSHOT_MAGIC
  );
}

export function decodeManifestSnapshot(message: Uint8Array): ManifestSnapshot {
  const fail = (code: string, msg: string, offset: number): never => {
    throw new WireDecodeError(code, `manifest snapshot: ${msg}`, { offset });
  };
  if (message.length < HEADER + 4)
    fail(WIRE_ERROR_CODES.wireShort, `${message.length} bytes is too short`, 0);
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (view.getUint32(0, true) !== MANIFEST_SNAPSHOT_MAGIC)
    fail(WIRE_ERROR_CODES.wireMagic, 'not a manifest snapshot', 0);
  if (view.getUint8(4) !== MANIFEST_SNAPSHOT_VERSION)
    fail(WIRE_ERROR_CODES.wireVersion, `version ${view.getUint8(4)} is not supported`, 4);
  const len = view.getUint32(8, true);
  if (len > MAX_BODY || message.length !== HEADER + len + 4)
    fail(WIRE_ERROR_CODES.wireLength, `body of ${len} bytes does not fit the message`, 8);
  if (view.getUint32(message.length - 4, true) !== crc32c(message, 0, message.length - 4))
    fail(WIRE_ERROR_CODES.wireChecksum, 'checksum mismatch', message.length - 4);
  if (view.getUint8(5) !== 0 || view.getUint16(6, true) !== 0)
    fail(WIRE_ERROR_CODES.wireReserved, 'reserved bits set', 5);
  let s: unknown;
  try {
    s = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(message.subarray(HEADER, HEADER + len)),
    );
  } catch (err) {
    fail(WIRE_ERROR_CODES.wireBody, `body is not JSON: ${(err as Error).message}`, HEADER);
  }
  const why = snapshotShapeProblem(s);
  if (why) fail(WIRE_ERROR_CODES.wireBody, `body has the wrong shape: ${why}`, HEADER);
  return s as ManifestSnapshot;
}

const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const time = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** What is wrong with a parsed body (JSON.parse gives back any value), or undefined. */
function snapshotShapeProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const o = v as Record<string, unknown>;
  for (const k of ['partition', 'throughSeq', 'warmSeq', 'coldGen', 'chunksThrough'])
    if (!count(o[k])) return `${k} is not a non-negative integer`;
  if (!time(o.atMs)) return 'atMs is not a number';
  if (!Array.isArray(o.removed) || !o.removed.every((f) => typeof f === 'string'))
    return 'removed is not a list of names';
  const n = o.newestChunks as Record<string, unknown> | undefined;
  if (
    n !== undefined &&
    (typeof n !== 'object' || n === null || !count(n.max) || !count(n.batchMin))
  )
    return 'newestChunks is not {max, batchMin}';
  if (!Array.isArray(o.files)) return 'files is not a list';
  for (let i = 0; i < o.files.length; i++) {
    const why = fileShapeProblem(o.files[i], o.partition as number);
    if (why) return `files[${i}]: ${why}`;
  }
  return undefined;
}

function fileShapeProblem(v: unknown, partition: number): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const f = v as Record<string, unknown>;
  if (typeof f.file !== 'string') return 'file is not a string';
  if (f.tier !== 'warm' && f.tier !== 'cold') return 'tier is neither warm nor cold';
  if (f.partition !== partition) return `partition is not ${partition}`;
  for (const k of ['bytes', 'crc32c', 'seriesCount', 'points'])
    if (!count(f[k])) return `${k} is not a non-negative integer`;
  for (const k of ['minT', 'maxT', 'atMs']) if (!time(f[k])) return `${k} is not a number`;
  for (const k of ['supersededAtMs', 'expiredAtMs'])
    if (f[k] !== undefined && !time(f[k])) return `${k} is not a number`;
  if (f.supersededBy !== undefined && typeof f.supersededBy !== 'string')
    return 'supersededBy is not a string';
  return undefined;
}
