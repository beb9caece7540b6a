import { CRC32_NATIVE } from '@ztsdb/checksum';
import { ByteReader, ByteWriter } from '../encoding/byte-io';
import { IndexCorruptError } from '../errors';
import { decodeHeadSnapshot, encodeHeadSnapshot, headSnapshotBytes } from '../head/head-snapshot';
import type { Head, HeadOptions } from '../head/head';
import type { WalDb } from './lmdb-env';
import {
  CHECKPOINT_PART_BYTES,
  POINTER_VERSION,
  decodePointer,
  readGeneration,
} from './checkpoint-generations';
import { sealInPlace, unseal } from './sealed-value';

export const META_VERSION = 1;
/**
 * Version of the checkpoint's wrapper in the layout before generations (a `checkpoint` value or
 * `checkpoint/` pieces holding the checkpoint itself; version 4 is a pointer to a generation,
 * checkpoint-generations.ts): 2 leaves the open chunks' CRC trailers zero (the
 * wrapper's CRC covers their bytes); 3 is 2 with the wrapper's checksum a CRC-32 (zlib's,
 * native) instead of a CRC-32C (a JavaScript loop, 40 ms of a 48 MB snapshot's event-loop
 * stall against 11). Versions 1 to 3 are still read. This release writes them only in tests
 * (the layout of earlier releases); a Node without zlib's crc32 (before 20.15) wrote version 2.
 */
export const CHECKPOINT_VERSION = CRC32_NATIVE ? 3 : 2;
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
  return sealInPlace(out, META_VERSION);
}

/** Checkpoint wrapper versions read. */
const CHECKPOINT_VERSIONS_READ: readonly number[] = [1, 2, 3];

/**
 * Checkpoint in one value, as releases before generations wrote it: [u64 walSeq = first WAL
 * record not covered][head snapshot]. Written by tests only (old logs must still recover).
 */
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

/** Bytes of a checkpoint laid out and checksummed between two pauses (checkpointImage). */
export const CHECKPOINT_STEP_BYTES = 2 * 1024 * 1024;

const PARTS_PREFIX = 'checkpoint/';

function partKey(i: number): Buffer {
  const k = Buffer.alloc(PARTS_PREFIX.length + 4);
  k.write(PARTS_PREFIX, 0, 'latin1');
  k.writeUInt32BE(i, PARTS_PREFIX.length);
  return k;
}

/**
 * The same checkpoint as putCheckpoint, stored in pieces of CHECKPOINT_PART_BYTES
 * (keys `checkpoint/` + u32 BE index) in the caller's transaction, as releases before
 * generations wrote it (tests only); pieces of a larger earlier checkpoint and a single-value
 * checkpoint are removed.
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

/** putCheckpointParts of a checkpoint already sealed. */
function putSealedCheckpointParts(meta: WalDb, bytes: Buffer): Promise<boolean> {
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

/** A checkpoint read back: with a generation, the `ingest` record written with it. */
export interface StoredCheckpoint {
  walSeq: number;
  head: Head;
  /** The generation read (version 4); undefined for the layout before generations. */
  generation?: number;
  /** The generation's `ingest` record (before generations it is the `imeta` key `ingest`). */
  ingest?: Buffer;
}

/**
 * The checkpoint: the generation a version 4 `checkpoint` names (checkpoint-generations.ts), or,
 * as releases before generations wrote it, pieces (putCheckpointParts) or one value
 * (putCheckpoint); null when none. A damaged one throws an IndexCorruptError naming the key.
 */
export function getCheckpoint(meta: WalDb, opts: HeadOptions): StoredCheckpoint | null {
  const top = meta.get(CHECKPOINT_KEY);
  if (top !== undefined && top[0] === POINTER_VERSION) {
    const p = decodePointer(top);
    const { checkpoint, ingest } = readGeneration(meta, p);
    // Every piece's checksum was checked, open chunks included (whose own CRCs are zero).
    const cp = decodeCheckpoint(checkpoint, opts, `checkpoint.g/${p.generation}`);
    if (cp.walSeq !== p.walSeq)
      throw new IndexCorruptError(
        `checkpoint: generation ${p.generation} holds walSeq ${cp.walSeq}, its pointer ${p.walSeq}`,
        { key: 'checkpoint' },
      );
    return { ...cp, generation: p.generation, ingest };
  }
  const v = checkpointBytes(meta);
  if (v === undefined) return null;
  // unseal checks the checksum over all of it, open chunks included (whose own CRCs versions 2 and 3 leave zero).
  return decodeCheckpoint(unseal('checkpoint', v, CHECKPOINT_VERSIONS_READ), opts, 'checkpoint');
}

/** [u64 walSeq][head snapshot], its checksum already checked. */
function decodeCheckpoint(
  payload: Uint8Array,
  opts: HeadOptions,
  key: string,
): { walSeq: number; head: Head } {
  const r = new ByteReader(
    payload,
    0,
    payload.length,
    (m, o) => new IndexCorruptError(`checkpoint: ${m}`, { key, offset: o }),
  );
  const walSeq = r.u64();
  const head = decodeHeadSnapshot(r, opts, false);
  if (r.remaining !== 0)
    throw new IndexCorruptError(`checkpoint: ${r.remaining} trailing bytes`, { key });
  return { walSeq, head };
}

export function putCatalog(meta: WalDb, c: Catalog): Promise<boolean> {
  return meta.put(CATALOG_KEY, seal(Buffer.from(JSON.stringify(c), 'utf8')));
}

export function getCatalog(meta: WalDb): Catalog {
  const v = meta.get(CATALOG_KEY);
  if (v === undefined) return { nextFileSeq: 1, warm: [], cold: [] };
  const c = JSON.parse(
    Buffer.from(unseal('catalog', v, [META_VERSION])).toString('utf8'),
  ) as Catalog;
  if (!Number.isSafeInteger(c.nextFileSeq) || !Array.isArray(c.warm) || !Array.isArray(c.cold)) {
    throw new IndexCorruptError('catalog: bad shape', { key: 'catalog' });
  }
  return c;
}
