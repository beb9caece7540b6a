import { crc32, CRC32_NATIVE, crc32c } from '@ztsdb/checksum';
import { ByteWriter } from '../encoding/byte-io';
import { IndexCorruptError } from '../errors';
import { headSnapshotBytes, HeadSnapshotEncoder } from '../head/head-snapshot';
import type { Head } from '../head/head';
import type { HotState } from '../head/hot-state';
import type { SealedChunk } from '../head/sealed-chunk';
import type { ImageScratch } from './image-scratch';
import { encodeExtras } from './ingest-record';
import type { WalDb } from './lmdb-env';
import { sealInPlace, unseal } from './sealed-value';

// The checkpoint in generations (docs/format/wal.md, "`checkpoint` in generations"): the pieces
// of a new checkpoint are written under a new generation number a bounded transaction at a
// time, then one small transaction points `checkpoint` at it, then the old generation's pieces
// are deleted. LMDB has one writer: a checkpoint of tens of megabytes in one transaction held
// every WAL write issued meanwhile (and so the ingestor's acknowledgements) behind its commit.

/** Wrapper version of the `checkpoint` value when it points at a generation (versions 1–3: the checkpoint itself). */
export const POINTER_VERSION = 4;
/**
 * Largest piece of a checkpoint written as one LMDB value. A value larger than a page takes a
 * run of contiguous pages; a multi-megabyte snapshot rewritten every few seconds rarely finds
 * such a run among the pages freed by the last one, so the file would grow without end.
 * Pieces of 16 pages reuse them.
 */
export const CHECKPOINT_PART_BYTES = 64 * 1024;
/**
 * Bytes of pieces written per LMDB transaction, each committed before the next is issued: a WAL
 * write issued meanwhile waits for at most one such commit (a few milliseconds) instead of the
 * whole checkpoint's (0.1–0.8 s for 40 MB on a shared disk). Smaller transactions cost a
 * commit each (a few B-tree and free-list pages) for less wait; at 2 MiB the p99 of small
 * writes during a 40 MB checkpoint was a third to a half of one transaction's
 * (docs/benchmarks.md).
 */
export const CHECKPOINT_TXN_BYTES = 2 * 1024 * 1024;
/** Keys of pieces (old generations, the older layout) deleted per transaction. */
const REMOVE_SLICE = 128;
/** Piece checksum kinds in the pointer. */
const SUM_CRC32 = 1;
const SUM_CRC32C = 2;
const SUM_KIND = CRC32_NATIVE ? SUM_CRC32 : SUM_CRC32C;
const CHECKPOINT_KEY = Buffer.from('checkpoint');
const GEN_PREFIX = 'checkpoint.g';
/** Pieces of the layout before generations: `checkpoint/` + u32 BE index. */
const LEGACY_PREFIX = 'checkpoint/';

/** `checkpoint.g` + u32 BE generation + u32 BE piece index. */
export function pieceKey(gen: number, i: number): Buffer {
  const k = Buffer.alloc(GEN_PREFIX.length + 8);
  k.write(GEN_PREFIX, 0, 'latin1');
  k.writeUInt32BE(gen, GEN_PREFIX.length);
  k.writeUInt32BE(i, GEN_PREFIX.length + 4);
  return k;
}

/** A piece key as messages name it: `checkpoint.g/<generation>/<index>`. */
export function pieceName(gen: number, i: number): string {
  return `${GEN_PREFIX}/${gen}/${i}`;
}

function legacyKey(i: number): Buffer {
  const k = Buffer.alloc(LEGACY_PREFIX.length + 4);
  k.write(LEGACY_PREFIX, 0, 'latin1');
  k.writeUInt32BE(i, LEGACY_PREFIX.length);
  return k;
}

/** A checkpoint laid out for writing: its bytes and the checksum of each piece. */
export interface CheckpointImage {
  /** walSeq (u64), the head snapshot, then the `ingest` record. */
  bytes: Buffer;
  /** Length of walSeq + head snapshot (the `ingest` record follows). */
  checkpointBytes: number;
  ingestBytes: number;
  walSeq: number;
  /** Checksum of each CHECKPOINT_PART_BYTES piece of `bytes` (SUM_KIND). */
  sums: Uint32Array;
  /** The buffer `bytes` lies in (a scratch's, to give back once the image is written). */
  backing: Uint8Array;
}

function pieceSum(b: Uint8Array, start: number, end: number): number {
  return SUM_KIND === SUM_CRC32 ? crc32(b, start, end) : crc32c(b, start, end);
}

/** How an image is laid out. */
export interface ImageLayout {
  /** Bytes laid out between two pauses. */
  stepBytes: number;
  /** Awaited between two steps; none: every step in one go. */
  pause?: () => Promise<void>;
  /** Memory kept between snapshots to lay the image out in; none: fresh memory. */
  scratch?: ImageScratch;
}

/**
 * The checkpoint of `state` as LocalLog.snapshot writes it: its head with the head's sealed
 * chunks and the held ones, and the `ingest` record of the sequences beside it. The state must
 * not change until this resolves.
 */
export function stateImage(state: HotState, layout: ImageLayout): Promise<CheckpointImage> {
  const held = state.heldList();
  const sealed = [...state.head.peekSealed(), ...held];
  return checkpointImage(
    state.appliedSeq + 1,
    state.head,
    sealed,
    encodeExtras(state, held),
    layout,
  );
}

/**
 * Lays out the checkpoint (walSeq, the head with `sealed` as its sealed chunks, open chunks'
 * CRCs left zero) and the `ingest` record, a step at a time (ImageLayout); each complete piece
 * is checksummed right after it is written, while its bytes are still in the cache. The head
 * must not change until this resolves.
 */
export async function checkpointImage(
  walSeq: number,
  head: Head,
  sealed: readonly SealedChunk[],
  ingest: Buffer,
  { stepBytes, pause, scratch }: ImageLayout,
): Promise<CheckpointImage> {
  const checkpointBytes = 8 + headSnapshotBytes(head, sealed);
  const total = checkpointBytes + ingest.length;
  const w = scratch ? ByteWriter.into(scratch.take(total)) : new ByteWriter(total);
  w.u64(walSeq);
  const encoder = new HeadSnapshotEncoder(head, w, false, sealed);
  const sums = new Uint32Array(Math.ceil(total / CHECKPOINT_PART_BYTES));
  let summed = 0;
  const sumUpTo = (end: number) => {
    const v = w.view8();
    for (; summed < sums.length; summed++) {
      const to = Math.min(total, (summed + 1) * CHECKPOINT_PART_BYTES);
      if (to > end) break;
      sums[summed] = pieceSum(v, summed * CHECKPOINT_PART_BYTES, to);
    }
  };
  for (;;) {
    const done = encoder.step(stepBytes);
    sumUpTo(w.length);
    if (done) break;
    if (pause) await pause();
  }
  if (w.length !== checkpointBytes)
    throw new Error(`checkpoint laid out in ${w.length} bytes, ${checkpointBytes} expected`);
  w.bytes(ingest);
  sumUpTo(total);
  const v = w.view8();
  return {
    bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength),
    checkpointBytes,
    ingestBytes: ingest.length,
    walSeq,
    sums,
    backing: w.whole(),
  };
}

/** What the `checkpoint` value of version 4 says: which generation is the checkpoint, and how to check it. */
export interface CheckpointPointer {
  generation: number;
  pieceBytes: number;
  sumKind: number;
  walSeq: number;
  checkpointBytes: number;
  ingestBytes: number;
  sums: Uint32Array;
}

/** Bytes of the pointer's payload before its piece checksums. */
const POINTER_FIXED = 40;

/**
 * The `checkpoint` value of version 4: the wrapper (CRC-32C), then generation u32, piece bytes
 * u32, pieces n u32, checksum kind u8 and 3 bytes 0, walSeq u64, checkpoint bytes u64, ingest
 * bytes u64, n × u32 piece checksums (all little-endian).
 */
export function encodePointer(p: CheckpointPointer): Buffer {
  const n = p.sums.length;
  const b = Buffer.alloc(8 + POINTER_FIXED + 4 * n);
  let o = 8;
  b.writeUInt32LE(p.generation, o);
  b.writeUInt32LE(p.pieceBytes, o + 4);
  b.writeUInt32LE(n, o + 8);
  b[o + 12] = p.sumKind;
  b.writeBigUInt64LE(BigInt(p.walSeq), o + 16);
  b.writeBigUInt64LE(BigInt(p.checkpointBytes), o + 24);
  b.writeBigUInt64LE(BigInt(p.ingestBytes), o + 32);
  o += POINTER_FIXED;
  for (let i = 0; i < n; i++, o += 4) b.writeUInt32LE(p.sums[i]!, o);
  return sealInPlace(b, POINTER_VERSION);
}

/** The pointer in a `checkpoint` value of version 4, every field checked against the others. */
export function decodePointer(value: Uint8Array): CheckpointPointer {
  const b = Buffer.from(unseal('checkpoint', value, [POINTER_VERSION]));
  const bad = (m: string, offset: number) =>
    new IndexCorruptError(`checkpoint: pointer ${m}`, { key: 'checkpoint', offset: 8 + offset });
  if (b.length < POINTER_FIXED) throw bad(`of ${b.length} bytes`, 0);
  const generation = b.readUInt32LE(0);
  const pieceBytes = b.readUInt32LE(4);
  const n = b.readUInt32LE(8);
  const sumKind = b[12]!;
  const walSeq = Number(b.readBigUInt64LE(16));
  const checkpointBytes = Number(b.readBigUInt64LE(24));
  const ingestBytes = Number(b.readBigUInt64LE(32));
  if (generation === 0) throw bad('to generation 0', 0);
  if (pieceBytes === 0) throw bad('with pieces of 0 bytes', 4);
  if (sumKind !== SUM_CRC32 && sumKind !== SUM_CRC32C) throw bad(`checksum kind ${sumKind}`, 12);
  if (b[13] !== 0 || b[14] !== 0 || b[15] !== 0) throw bad('reserved bytes not 0', 13);
  if (
    !Number.isSafeInteger(walSeq) ||
    checkpointBytes < 8 ||
    !Number.isSafeInteger(checkpointBytes + ingestBytes)
  )
    throw bad('sizes out of range', 16);
  if (n !== Math.ceil((checkpointBytes + ingestBytes) / pieceBytes))
    throw bad(`of ${n} pieces for ${checkpointBytes + ingestBytes} bytes`, 8);
  if (b.length !== POINTER_FIXED + 4 * n) throw bad(`of ${b.length} bytes for ${n} pieces`, 0);
  const sums = new Uint32Array(n);
  for (let i = 0; i < n; i++) sums[i] = b.readUInt32LE(POINTER_FIXED + 4 * i);
  return { generation, pieceBytes, sumKind, walSeq, checkpointBytes, ingestBytes, sums };
}

/** The pointer of a `checkpoint` value of version 4; undefined when there is none (or an older layout). */
export function readPointer(meta: WalDb): CheckpointPointer | undefined {
  const v = meta.get(CHECKPOINT_KEY);
  return v !== undefined && v[0] === POINTER_VERSION ? decodePointer(v) : undefined;
}

/**
 * The generation `p` names, every piece checked (present, its length, its checksum): the
 * checkpoint bytes (walSeq + head snapshot) and the `ingest` record. A failed check is an
 * IndexCorruptError whose `key` names the piece.
 */
export function readGeneration(
  meta: WalDb,
  p: CheckpointPointer,
): { checkpoint: Buffer; ingest: Buffer } {
  const total = p.checkpointBytes + p.ingestBytes;
  const n = p.sums.length;
  const out = Buffer.allocUnsafe(total);
  for (let i = 0; i < n; i++) {
    const at = i * p.pieceBytes;
    const want = Math.min(p.pieceBytes, total - at);
    const key = pieceName(p.generation, i);
    // lmdb's reused read buffer (valid until the next read; its `length` is the value's, its
    // bytes beyond run on): copied straight into the whole, no Buffer per piece.
    const v = meta.getBinaryFast(pieceKey(p.generation, i));
    if (v === undefined)
      throw new IndexCorruptError(`checkpoint: piece ${key} (${i + 1} of ${n}) is missing`, {
        key,
        offset: at,
      });
    if (v.length !== want)
      throw new IndexCorruptError(
        `checkpoint: piece ${key} (${i + 1} of ${n}) has ${v.length} bytes, expected ${want}`,
        { key, offset: at },
      );
    out.set(v.subarray(0, want), at);
    const sum = p.sumKind === SUM_CRC32 ? crc32(out, at, at + want) : crc32c(out, at, at + want);
    if (sum !== p.sums[i])
      throw new IndexCorruptError(
        `checkpoint: piece ${key} (${i + 1} of ${n}): ${p.sumKind === SUM_CRC32 ? 'CRC-32' : 'CRC-32C'} mismatch`,
        { key, offset: at },
      );
  }
  return {
    checkpoint: out.subarray(0, p.checkpointBytes),
    ingest: out.subarray(p.checkpointBytes),
  };
}

/** Writes through the owner of the database (its failure handling), to the database in use now. */
export interface GenerationIo {
  db(): WalDb;
  observe<T>(write: Promise<T>): Promise<T>;
}

/**
 * Deletes, REMOVE_SLICE keys a transaction (each committed before the next), the pieces of every
 * generation but `keep` (an unfinished one a crash left, or the one `keep` replaced), and with
 * `legacy` the pieces of the layout before generations.
 */
export async function removeStalePieces(
  io: GenerationIo,
  keep: number | undefined,
  legacy: boolean,
): Promise<number> {
  let removed = 0;
  const ranges: Array<[Buffer, Buffer, boolean]> = [
    [pieceKey(0, 0), pieceKey(0xffffffff, 0xffffffff), true],
  ];
  if (legacy) ranges.push([legacyKey(0), legacyKey(0xffffffff), false]);
  for (const [start, end, generations] of ranges) {
    for (;;) {
      // Listed again from the start each slice (the removed keys are gone): the kept
      // generation's keys are skipped, a few hundred keys read, no values.
      const slice: Buffer[] = [];
      for (const k of io.db().getKeys({ start, end, snapshot: false })) {
        const key = Buffer.from(k as Uint8Array);
        if (generations && key.readUInt32BE(GEN_PREFIX.length) === keep) continue;
        slice.push(key);
        if (slice.length === REMOVE_SLICE) break;
      }
      if (slice.length === 0) break;
      let last: Promise<boolean> = Promise.resolve(true);
      for (const k of slice) last = io.observe(io.db().remove(k));
      await last;
      removed += slice.length;
    }
  }
  return removed;
}

/** What writeGeneration did. */
export interface WrittenGeneration {
  generation: number;
  /** Transactions the pieces took. */
  transactions: number;
}

/**
 * Writes `image` as the next generation: first the pieces of an unfinished generation a crash
 * left are deleted, then the pieces are written CHECKPOINT_TXN_BYTES a transaction, each
 * committed before the next is issued (`onCommitted` is told), then `checkpoint` is pointed at
 * the new generation in one small transaction with what `inSwitch` writes (in the same
 * event-loop turn). Resolves once that switch is committed; the previous generation's pieces
 * are still there (removeStalePieces, once the switch is durable). Until the switch commits,
 * the previous checkpoint is the one recovery reads.
 */
export async function writeGeneration(
  io: GenerationIo,
  image: CheckpointImage,
  inSwitch: () => Promise<unknown>[] = () => [],
  onCommitted?: (transaction: number, of: number) => void,
): Promise<WrittenGeneration> {
  let current: number | undefined;
  try {
    current = readPointer(io.db())?.generation;
  } catch {
    current = undefined; // a damaged pointer: every generation's pieces go, none is readable
  }
  await removeStalePieces(io, current, false);
  const generation = current === undefined || current >= 0xffffffff ? 1 : current + 1;
  const n = image.sums.length;
  const perTxn = Math.max(1, Math.floor(CHECKPOINT_TXN_BYTES / CHECKPOINT_PART_BYTES));
  const transactions = Math.ceil(n / perTxn);
  for (let t = 0; t < transactions; t++) {
    let last: Promise<boolean> = Promise.resolve(true);
    const db = io.db();
    for (let i = t * perTxn; i < Math.min(n, (t + 1) * perTxn); i++)
      last = io.observe(
        db.put(
          pieceKey(generation, i),
          image.bytes.subarray(i * CHECKPOINT_PART_BYTES, (i + 1) * CHECKPOINT_PART_BYTES),
        ),
      );
    await last;
    onCommitted?.(t, transactions);
  }
  const pointer = encodePointer({
    generation,
    pieceBytes: CHECKPOINT_PART_BYTES,
    sumKind: SUM_KIND,
    walSeq: image.walSeq,
    checkpointBytes: image.checkpointBytes,
    ingestBytes: image.ingestBytes,
    sums: image.sums,
  });
  const switched = io.observe(io.db().put(CHECKPOINT_KEY, pointer));
  await Promise.all([switched, ...inSwitch().map((w) => io.observe(w))]);
  return { generation, transactions };
}
