import { crc32, CRC32_NATIVE, crc32c } from '@ztsdb/checksum';
import { ByteReader, ByteWriter } from '../encoding/byte-io';
import { IndexCorruptError } from '../errors';
import {
  decodeHeadSnapshot,
  encodeHeadSnapshot,
  headSnapshotBytes,
  HeadSnapshotEncoder,
} from '../head/head-snapshot';
import type { Head, HeadOptions } from '../head/head';
import type { SealedChunk } from '../head/sealed-chunk';
import type { WalDb } from './lmdb-env';

export const META_VERSION = 1;
/**
 * Version of the checkpoint's wrapper: 2 leaves the open chunks' CRC trailers zero (the
 * wrapper's CRC covers their bytes); 3 is 2 with the wrapper's checksum a CRC-32 (zlib's,
 * native) instead of a CRC-32C (a JavaScript loop, 40 ms of a 48 MB snapshot's event-loop
 * stall against 11). Versions 1 and 2 are still read; a Node without zlib's crc32 (before
 * 20.15) writes version 2.
 */
export const CHECKPOINT_VERSION = CRC32_NATIVE ? 3 : 2;
/** Wrapper versions whose checksum is a CRC-32; the others' is a CRC-32C. */
const CRC32_VERSIONS: readonly number[] = [3];
const CHECKPOINT_KEY = Buffer.from('checkpoint');
const CATALOG_KEY = Buffer.from('catalog');

/** Files of one partition that are live (the embedded engine's manifest). */
export interface Catalog {
  /** Next number for a warm segment file name. */
  nextFileSeq: number;
  /** Warm segment file names (in warm/p<n>/), oldest first. */
  warm: string[];
  /** Cold file names (in cold/p<n>/). */
  cold: string[];
}

/** [version u8][reserved ×3][CRC-32C u32 of payload][payload] */
function seal(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(8 + payload.length);
  out.set(payload, 8);
  return sealInPlace(out);
}

/** The checksum a wrapper of `version` carries over `bytes[start, end)`, continuing `seed`. */
function checksum(
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
function sealInPlace(
  sealed: Buffer,
  version = META_VERSION,
  sum = checksum(version, sealed, 8),
): Buffer {
  sealed[0] = version;
  sealed[1] = sealed[2] = sealed[3] = 0;
  sealed.writeUInt32LE(sum, 4);
  return sealed;
}

/** The payload of a sealed value of one of `versions`, its checksum checked. */
function unseal(
  what: string,
  value: Uint8Array,
  versions: readonly number[] = [META_VERSION],
): Uint8Array {
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

/** Checkpoint wrapper versions read. */
const CHECKPOINT_VERSIONS_READ: readonly number[] = [1, 2, 3];

/** Checkpoint: [u64 walSeq = first WAL record not covered][head snapshot]. */
export function putCheckpoint(meta: WalDb, walSeq: number, head: Head): Promise<boolean> {
  return meta.put(CHECKPOINT_KEY, sealedCheckpoint(walSeq, head));
}

/**
 * The sealed checkpoint (version 2: the open chunks' CRCs left zero, the seal's covers them),
 * written once into a buffer of its exact size (no growth, no copy to seal).
 */
function sealedCheckpoint(walSeq: number, head: Head): Buffer {
  const w = new ByteWriter(8 + 8 + headSnapshotBytes(head));
  w.u64(0); // the seal's header, filled in below
  w.u64(walSeq);
  encodeHeadSnapshot(head, w, false);
  const v = w.view8();
  return sealInPlace(Buffer.from(v.buffer, v.byteOffset, v.byteLength), CHECKPOINT_VERSION);
}

/** Bytes of a checkpoint laid out and checksummed between two pauses (sealedCheckpointInSteps). */
export const CHECKPOINT_STEP_BYTES = 2 * 1024 * 1024;

/**
 * sealedCheckpoint in steps of CHECKPOINT_STEP_BYTES with `pause()` awaited between two
 * (a few milliseconds each where the whole was tens): each step is checksummed right after it
 * is written, while its bytes are still in the cache. The head must not change until this
 * resolves; `sealed` are the untaken sealed chunks it holds.
 */
export async function sealedCheckpointInSteps(
  walSeq: number,
  head: Head,
  sealed: readonly SealedChunk[],
  pause: () => Promise<void>,
): Promise<Buffer> {
  const w = new ByteWriter(8 + 8 + headSnapshotBytes(head, sealed));
  w.u64(0); // the seal's header, filled in below
  w.u64(walSeq);
  const encoder = new HeadSnapshotEncoder(head, w, false, sealed);
  let sum = 0;
  let summed = 8;
  for (;;) {
    const done = encoder.step(CHECKPOINT_STEP_BYTES);
    const v = w.view8();
    sum = checksum(CHECKPOINT_VERSION, v, summed, v.length, sum);
    summed = v.length;
    if (done) break;
    await pause();
  }
  const v = w.view8();
  return sealInPlace(Buffer.from(v.buffer, v.byteOffset, v.byteLength), CHECKPOINT_VERSION, sum);
}

/**
 * Largest piece of a checkpoint written as one LMDB value. A value larger than
 * a page takes a run of contiguous pages; a multi-megabyte snapshot rewritten
 * every few seconds rarely finds such a run among the pages freed by the last
 * one, so the file would grow without end. Pieces of 16 pages reuse them.
 */
export const CHECKPOINT_PART_BYTES = 64 * 1024;
const PARTS_PREFIX = 'checkpoint/';

function partKey(i: number): Buffer {
  const k = Buffer.alloc(PARTS_PREFIX.length + 4);
  k.write(PARTS_PREFIX, 0, 'latin1');
  k.writeUInt32BE(i, PARTS_PREFIX.length);
  return k;
}

/**
 * The same checkpoint as putCheckpoint, stored in pieces of CHECKPOINT_PART_BYTES
 * (keys `checkpoint/` + u32 BE index) in the caller's transaction; pieces of a
 * larger earlier checkpoint and a single-value checkpoint are removed.
 * Resolves with the last write; `size.bytes` is set to the checkpoint's size.
 */
export function putCheckpointParts(
  meta: WalDb,
  walSeq: number,
  head: Head,
  size?: { bytes: number },
): Promise<boolean> {
  const bytes = sealedCheckpoint(walSeq, head);
  if (size) size.bytes = bytes.length;
  return putSealedCheckpointParts(meta, bytes);
}

/** putCheckpointParts of a checkpoint already sealed (sealedCheckpointInSteps). */
export function putSealedCheckpointParts(meta: WalDb, bytes: Buffer): Promise<boolean> {
  const n = Math.ceil(bytes.length / CHECKPOINT_PART_BYTES);
  let last: Promise<boolean> = Promise.resolve(true);
  for (let i = 0; i < n; i++)
    last = meta.put(
      partKey(i),
      bytes.subarray(i * CHECKPOINT_PART_BYTES, (i + 1) * CHECKPOINT_PART_BYTES),
    );
  for (const k of meta.getKeys({ start: partKey(n), end: partKey(0xffffffff), snapshot: false }))
    last = meta.remove(k);
  if (meta.get(CHECKPOINT_KEY) !== undefined) last = meta.remove(CHECKPOINT_KEY);
  return last;
}

function checkpointBytes(meta: WalDb): Buffer | undefined {
  const keys: Buffer[] = [];
  for (const k of meta.getKeys({ start: partKey(0), end: partKey(0xffffffff), snapshot: false }))
    keys.push(k);
  if (keys.length === 0) return meta.get(CHECKPOINT_KEY);
  // Every piece but the last is CHECKPOINT_PART_BYTES long (putCheckpointParts): the pieces are
  // copied into one buffer of the whole size from lmdb's reused read buffer (getBinaryFast, valid
  // until the next read; its `length` is the value's), without a fresh Buffer per piece and a
  // concat of them after (a takeover reads tens of megabytes here).
  const lastLength = meta.getBinaryFast(keys[keys.length - 1]!)?.length ?? 0;
  const out = Buffer.allocUnsafe((keys.length - 1) * CHECKPOINT_PART_BYTES + lastLength);
  let at = 0;
  for (let i = 0; i < keys.length; i++) {
    const v = meta.getBinaryFast(keys[i]!);
    const want = i < keys.length - 1 ? CHECKPOINT_PART_BYTES : lastLength;
    if (v === undefined || v.length !== want)
      throw new IndexCorruptError(
        `checkpoint: piece ${i} of ${keys.length} has ${v?.length ?? 0} bytes, expected ${want}`,
        { key: 'checkpoint', offset: at },
      );
    out.set(v.subarray(0, want), at);
    at += want;
  }
  return out;
}

/** The checkpoint, from pieces (putCheckpointParts) or one value (putCheckpoint); null when none. */
export function getCheckpoint(
  meta: WalDb,
  opts: HeadOptions,
): { walSeq: number; head: Head } | null {
  const v = checkpointBytes(meta);
  if (v === undefined) return null;
  const payload = unseal('checkpoint', v, CHECKPOINT_VERSIONS_READ);
  const r = new ByteReader(
    payload,
    0,
    payload.length,
    (m, o) => new IndexCorruptError(`checkpoint: ${m}`, { key: 'checkpoint', offset: o }),
  );
  const walSeq = r.u64();
  // unseal checked the checksum over all of it, open chunks included (whose own CRCs versions 2 and 3 leave zero).
  const head = decodeHeadSnapshot(r, opts, false);
  if (r.remaining !== 0)
    throw new IndexCorruptError(`checkpoint: ${r.remaining} trailing bytes`, { key: 'checkpoint' });
  return { walSeq, head };
}

export function putCatalog(meta: WalDb, c: Catalog): Promise<boolean> {
  return meta.put(CATALOG_KEY, seal(Buffer.from(JSON.stringify(c), 'utf8')));
}

export function getCatalog(meta: WalDb): Catalog {
  const v = meta.get(CATALOG_KEY);
  if (v === undefined) return { nextFileSeq: 1, warm: [], cold: [] };
  const c = JSON.parse(Buffer.from(unseal('catalog', v)).toString('utf8')) as Catalog;
  if (!Number.isSafeInteger(c.nextFileSeq) || !Array.isArray(c.warm) || !Array.isArray(c.cold)) {
    throw new IndexCorruptError('catalog: bad shape', { key: 'catalog' });
  }
  return c;
}
