// Over 400 lines: the one class that owns the partition's LMDB handles; its online
// compaction swaps them, so it lives beside every read and write that uses them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RootDatabase } from 'lmdb';
import { dropMappedFilePages, releaseReservedSpace, reserveFileSpace } from '@ztsdb/fileutil';
import { decodeSampleBatch, type SampleBatch } from '@ztsdb/wire';
import { WalCorruptError, WalFormatError } from '../errors';
import { Head, type HeadOptions } from '../head/head';
import { HotState, type HeldChunk } from '../head/hot-state';
import { openBinaryDb, openEnv, openEnvFile, type WalDb } from './lmdb-env';
import {
  CHECKPOINT_STEP_BYTES,
  getCatalog,
  getCheckpoint,
  putCatalog,
  type Catalog,
} from './snapshot-store';
import {
  readPointer,
  removeStalePieces,
  stateImage,
  writeGeneration,
  type CheckpointImage,
  type GenerationIo,
} from './checkpoint-generations';
import type { ImageScratch } from './image-scratch';
import { decodeExtras } from './ingest-record';
import { dropLmdbInternalRejections, observed } from './lmdb-write';

/** Kinds of WAL entries (9th key byte; within one stream sequence they sort in this order). */
const KIND_BATCH = 0;
const KIND_SKIP = 1;
const KIND_SEAL = 2;
/** WAL entries a snapshot removes per transaction (snapshot()): at most ~8 MiB mapped at once. */
export const TRIM_SLICE = 128;
/**
 * Bytes of entries a snapshot's trim removes between two drops of the log's pages from the
 * process (dropPages): each drop reads /proc/self/maps and advises the whole map, 1–3 ms, and
 * the log's next writes fault its pages in again. A slice of an import's 16,384-point batches
 * is about this much; one of bench:ingest's 250-point batches is 64 times less.
 */
const DROP_PAGES_BYTES = 8 * 1024 * 1024;
const EXTRAS_KEY = Buffer.from('ingest');
const STREAM_KEY = Buffer.from('stream');

/**
 * Trim slices (TRIM_SLICE entries each) between two page drops of a snapshot's trim: about
 * DROP_PAGES_BYTES of entries, by the mean size of the `entries` batches of `bytes` written
 * since the last snapshot; every slice when nothing says how large they are.
 */
export function slicesPerPageDrop(bytes: number, entries: number): number {
  if (entries <= 0 || bytes <= 0) return 1;
  return Math.max(1, Math.floor(DROP_PAGES_BYTES / (TRIM_SLICE * (bytes / entries))));
}

function walKey(seq: number, kind: number): Buffer {
  const b = Buffer.allocUnsafe(9);
  b.writeUInt32BE(Math.floor(seq / 2 ** 32), 0);
  b.writeUInt32BE(seq >>> 0, 4);
  b[8] = kind;
  return b;
}

function keySeq(k: Uint8Array): number {
  const b = Buffer.from(k.buffer, k.byteOffset, k.byteLength);
  return b.readUInt32BE(0) * 2 ** 32 + b.readUInt32BE(4);
}

/** What loading the local log gave back. */
export interface LocalRecovery {
  state: HotState;
  /** Batches re-applied from the WAL after the snapshot. */
  replayedBatches: number;
  replayedPoints: number;
  /** With keepBeforeDamage: sequence of the first damaged WAL entry (the replay stopped there). */
  damagedAt?: number;
}

/** How to rebuild the head from the log. */
export interface RecoverOptions extends HeadOptions {
  partition: number;
  maxChunkAgeMs: number;
  /**
   * Keep what replays before a damaged snapshot or WAL entry instead of giving up (the embedded
   * engine, which has no stream to rebuild from). Without it a damaged log recovers nothing.
   */
  keepBeforeDamage?: boolean;
}

/** Named databases of the record WAL that version 1 of the embedded engine wrote (wal.md). */
const OLD_ENGINE_DBS = ['wal', 'chunks', 'meta'];

/**
 * How a caller lets the event loop run during a snapshot: `pause` is awaited between two
 * steps of its encoding (CHECKPOINT_STEP_BYTES each), and the state it snapshots (head,
 * held chunks, applied sequence) must not change from the call until `encoded` is called;
 * the writes and their commit come after.
 */
export interface SnapshotSteps {
  pause(): Promise<void>;
  encoded(): void;
  /** Memory for the image, kept between snapshots (image-scratch.ts); none: fresh each time. */
  scratch?: ImageScratch;
}

/**
 * The WAL of one partition (the ingestor's and the embedded engine's), in the
 * LMDB environment `<data dir>/wal/p<n>/data.mdb` (layout in docs/format/wal.md):
 * - `iwal`: key = stream sequence (u64 BE) + kind (u8); value = the sample
 *   batch exactly as it came off the stream (kind 0), nothing (kind 1: the
 *   sequence went to the DLQ) or f64 `nowMs` (kind 2: sealByAge ran here;
 *   a 9th byte n > 0: n paced sealByAge ran here).
 * - `imeta`: `checkpoint` (a pointer to the generation of `checkpoint.g` pieces that
 *   holds the tsdb head snapshot, docs/format/wal.md, with the held sealed chunks, and the
 *   `ingest` record of the sequences beside the head) and `stream` (creation time of the
 *   samples stream this log belongs to).
 * Writes of one event-loop turn form one LMDB transaction; `flushed()`
 * resolves once they are on disk. A failed write rejects with a WalWriteError
 * (never as an unhandled rejection: dropping a write's promise is safe).
 */
export class LocalLog {
  /** Bytes of batches written since the last snapshot (the owner snapshots early when they pile up). */
  batchBytes = 0;
  /** Batches written since the last snapshot (their mean size paces the trim's page drops). */
  private batchEntries = 0;
  /** Size of the last snapshot this process wrote (0 before the first). */
  snapshotBytes = 0;
  /**
   * Bytes of batches written and not yet removed by a finished snapshot: batchBytes plus what
   * a snapshot under way will remove (snapshotBehind).
   */
  private uncoveredBytes = 0;

  /** Writes queued and not yet settled: the log is compacted online only when there is none. */
  private inFlight = 0;
  /** Size below which compactOnline leaves the file alone (raised when a copy would not pay). */
  private compactFloor = 0;
  /** Set while compactOnline closes the old environment and opens the new one: writes wait for it. */
  private swapping: Promise<void> | undefined;
  /** The last snapshot's writes: a snapshot writes its generation after the one before is done. */
  private snapshotWrites: Promise<void> = Promise.resolve();
  /** Checkpoint writes go to the database in use and are observed like every write. */
  private readonly io: GenerationIo = {
    db: () => this.meta,
    observe: (w) => this.observed(w),
  };

  private constructor(
    private env: RootDatabase,
    private wal: WalDb,
    private meta: WalDb,
    readonly dir: string,
  ) {}

  /** `<data dir>/wal/p<n>`. */
  static dirOf(dataDir: string, partition: number): string {
    return path.join(dataDir, 'wal', `p${partition}`);
  }

  /** Opens (creating) the log; a WalFormatError when the environment holds a WAL of the old engine format. */
  static open(dataDir: string, partition: number): LocalLog {
    const dir = LocalLog.dirOf(dataDir, partition);
    dropLmdbInternalRejections();
    const env = openEnv(dir);
    // The main database lists the named ones (by name, as keys). Read without a
    // snapshot: a read transaction left open would keep LMDB from reusing freed pages.
    const names = new Set<string>();
    for (const k of env.getKeys({ snapshot: false })) names.add(String(k));
    const old = OLD_ENGINE_DBS.filter((n) => names.has(n));
    if (old.length > 0) {
      const file = path.join(dir, 'data.mdb');
      void env.close();
      throw new WalFormatError(
        `${file} holds a WAL of the embedded engine's first format (databases ${old.join(', ')}), which this version does not read; open it with ztsdb 0.1 and compact it into warm and cold files, or move it away`,
        { file, key: old[0] },
      );
    }
    return new LocalLog(env, openBinaryDb(env, 'iwal'), openBinaryDb(env, 'imeta'), dir);
  }

  /**
   * Whether the batches since the last snapshot call for an early one: at least `minBytes`
   * (the owner's share of ZTSDB_WAL_MAX_BYTES) and at least the last snapshot's size. A
   * snapshot writes the whole hot state, which grows with the open chunks while the batches
   * that trigger it do not: with the first bound alone a head of long open chunks was
   * rewritten for every few megabytes of batches, at many times their cost. With both, the
   * bytes snapshots write stay within the bytes of batches written, and a recovery replays at
   * most that much beside the snapshot.
   */
  snapshotDue(minBytes: number): boolean {
    return this.batchBytes >= Math.max(minBytes, this.snapshotBytes);
  }

  /**
   * Whether the batches not yet removed by a finished snapshot are twice what makes one due:
   * the snapshots fall behind the batches (a backlog fetched at memory speed writes tens of
   * megabytes a second), and the writer waits for the one under way, else the file grows far
   * past its bound, and on a small disk fills it.
   */
  snapshotBehind(minBytes: number): boolean {
    return this.uncoveredBytes >= 2 * Math.max(minBytes, this.snapshotBytes);
  }

  /** Queues a batch in this turn's transaction. */
  putBatch(seq: number, bytes: Uint8Array): Promise<boolean> {
    this.batchBytes += bytes.byteLength;
    this.uncoveredBytes += bytes.byteLength;
    this.batchEntries++;
    const value = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.write(() => this.wal.put(walKey(seq, KIND_BATCH), value));
  }

  putSkip(seq: number): Promise<boolean> {
    return this.write(() => this.wal.put(walKey(seq, KIND_SKIP), Buffer.alloc(0)));
  }

  /**
   * `pacedTicks` (1–255): that many paced sealByAge ran after `afterSeq` (the
   * last at `nowMs`); replay runs them again. 0: one unpaced sealByAge.
   */
  putSeal(afterSeq: number, nowMs: number, pacedTicks = 0): Promise<boolean> {
    // 8 bytes: sealByAge(nowMs); 9 bytes: the f64, then how many paced ticks.
    const b = Buffer.allocUnsafe(pacedTicks > 0 ? 9 : 8);
    b.writeDoubleLE(nowMs, 0);
    if (pacedTicks > 0) b[8] = Math.min(255, pacedTicks);
    return this.write(() => this.wal.put(walKey(afterSeq, KIND_SEAL), b));
  }

  /** The LMDB file, for messages. */
  get file(): string {
    return path.join(this.dir, 'data.mdb');
  }

  /** A write failed and none has succeeded since: the last transaction's flush may never settle. */
  private failure: unknown = undefined;
  private readonly failureWaiters = new Set<(e: unknown) => void>();

  /** Issues a write now, or once an online compaction swapped the files (compactOnline). */
  private write<T>(issue: () => Promise<T>): Promise<T> {
    const swap = this.swapping;
    return this.observed(swap ? swap.then(issue) : issue());
  }

  private observed<T>(write: Promise<T>): Promise<T> {
    const o = observed(write, this.file);
    this.inFlight++;
    o.then(
      () => {
        this.inFlight--;
        this.failure = undefined;
      },
      (e: unknown) => {
        this.inFlight--;
        this.failure = e;
        for (const f of this.failureWaiters) f(e);
      },
    );
    return o;
  }

  /**
   * Removes the entries from stream sequence `seq` on: after a failed write,
   * later transactions may have committed batches that were never acknowledged,
   * and a log with a hole would skip the missing ones on recovery.
   */
  async removeFrom(seq: number): Promise<void> {
    await this.swapping;
    let last: Promise<boolean> | undefined;
    for (const k of this.wal.getKeys({ start: walKey(seq, 0), snapshot: false }))
      last = this.observed(this.wal.remove(k));
    if (last) await last;
    await this.flushed();
  }

  /** Resolves once every write queued so far is durable; rejects (WalWriteError) once one failed. */
  async flushed(): Promise<void> {
    await this.swapping;
    // lmdb-js never settles the flush of a failed transaction: a failure rejects instead.
    if (this.failure !== undefined) throw this.failure;
    let fail!: (e: unknown) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    failed.catch(() => undefined);
    this.failureWaiters.add(fail);
    try {
      await Promise.race([this.wal.flushed, failed]);
    } finally {
      this.failureWaiters.delete(fail);
    }
  }

  /**
   * LMDB never gives freed pages back to the file system: a log that held a
   * large backfill keeps its size while holding a snapshot and a few batches.
   * When the file is larger than `limitBytes` and every write is settled, its
   * entries are copied into a fresh file in one synchronous transaction
   * (durable when it returns), which is renamed over the log and opened in
   * place of the old environment; nothing yields between the copy and the
   * swap, so no write can fall between them. A copy that would not halve the
   * file is dropped, and the file is left alone until it doubles. Returns the
   * sizes, or undefined when nothing was done (the caller tries again later).
   */
  async compactOnline(limitBytes: number): Promise<{ before: number; after: number } | undefined> {
    const file = this.file;
    const before = fs.statSync(file).size;
    if (before <= Math.max(limitBytes, this.compactFloor)) return undefined;
    await this.flushed();
    if (this.inFlight > 0 || this.failure !== undefined) return undefined;
    const tmp = `${file}.compact`;
    const dropTmp = () => {
      fs.rmSync(tmp, { force: true });
      fs.rmSync(`${tmp}-lock`, { force: true });
    };
    dropTmp();
    const out = openEnvFile(tmp);
    // The copy's blocks first: a page write failing inside LMDB can overrun its heap (see
    // reserveFileSpace's caller in the ingestor). Without room for a copy as large as the
    // file, the file is left alone for now.
    if (reserveFileSpace(tmp, before) !== '') {
      await out.close();
      dropTmp();
      return undefined;
    }
    let after: number;
    try {
      const wal = openBinaryDb(out, 'iwal');
      const meta = openBinaryDb(out, 'imeta');
      out.transactionSync(() => {
        for (const { key, value } of this.wal.getRange({ snapshot: false }))
          wal.putSync(key, value);
        for (const { key, value } of this.meta.getRange({ snapshot: false }))
          meta.putSync(key, value);
      });
      after = fs.statSync(tmp).size;
      // What the copy did not fill is given back: the file is compacted to free the disk.
      releaseReservedSpace(tmp);
    } catch (e) {
      await out.close();
      dropTmp();
      throw e;
    }
    if (after * 2 > before) {
      this.compactFloor = 2 * before;
      await out.close();
      dropTmp();
      return undefined;
    }
    // The swap. The old environment is closed before the new file is opened: both would
    // share the lock file, whose reader table and transaction id belong to one data file.
    // Writes issued meanwhile wait (write()); reads between here and the reopen would fail,
    // and the owner reads nothing while its partition runs but through write paths.
    fs.renameSync(tmp, file);
    const swapped = (async () => {
      await Promise.all([this.env.close(), out.close()]);
      fs.rmSync(`${tmp}-lock`, { force: true });
      this.env = openEnv(this.dir);
      this.wal = openBinaryDb(this.env, 'iwal');
      this.meta = openBinaryDb(this.env, 'imeta');
      syncDir(this.dir);
    })();
    this.swapping = swapped.finally(() => (this.swapping = undefined));
    await this.swapping;
    this.compactFloor = 0;
    return { before, after };
  }

  /** Creation time of the samples stream this log was written from ('' when none recorded). */
  streamId(): string {
    return this.meta.get(STREAM_KEY)?.toString('utf8') ?? '';
  }

  /** Highest stream sequence in the log (snapshot or WAL), 0 when empty. */
  lastSeq(): number {
    for (const k of this.wal.getKeys({ reverse: true, limit: 1 })) return keySeq(k as Uint8Array);
    let pointer;
    try {
      pointer = readPointer(this.meta);
    } catch {
      return 0; // a damaged pointer: recover() reports it, and the checkpoint is gone
    }
    if (pointer) return pointer.walSeq - 1;
    const extras = this.meta.get(EXTRAS_KEY);
    return extras ? decodeExtras(extras).appliedSeq : 0;
  }

  /** Forgets everything (another stream, or a state older than the partition checkpoint). */
  async clear(streamId: string): Promise<void> {
    await this.swapping;
    await this.observed(this.wal.clearAsync());
    await this.observed(this.meta.clearAsync());
    await this.observed(this.meta.put(STREAM_KEY, Buffer.from(streamId, 'utf8')));
    this.batchBytes = 0;
    this.batchEntries = 0;
    this.uncoveredBytes = 0;
    await this.flushed();
  }

  /**
   * Snapshot: the head (with the held sealed chunks) and the sequences beside it, as a new
   * generation of checkpoint pieces written a bounded transaction at a time
   * (checkpoint-generations.ts: WAL writes issued meanwhile commit between them), the switch
   * of `checkpoint` to it (with `catalog`, when given, in the same transaction), then, once the
   * switch is durable, removal of the WAL entries it covers and of the previous generation's
   * pieces. Resolves when all of it is durable. Until the switch commits a crash leaves the
   * previous checkpoint and the WAL after it. With `steps`, the head is laid out a few
   * megabytes an event-loop turn (SnapshotSteps), and the caller keeps the state as it is
   * until `encoded`.
   */
  async snapshot(state: HotState, steps?: SnapshotSteps, catalog?: Catalog): Promise<void> {
    // Taken before the first await: the caller applied every batch written so far.
    const covered = this.uncoveredBytes;
    await this.swapping;
    const appliedSeq = state.appliedSeq;
    const slicesPerDrop = slicesPerPageDrop(this.batchBytes, this.batchEntries);
    this.batchEntries = 0;
    this.batchBytes = 0;
    let image;
    try {
      image = await stateImage(state, {
        stepBytes: CHECKPOINT_STEP_BYTES,
        pause: steps?.pause,
        scratch: steps?.scratch,
      });
    } finally {
      steps?.encoded();
    }
    this.snapshotBytes = image.bytes.length;
    // One generation at a time: the next one's number comes from the pointer the last switched.
    const before = this.snapshotWrites;
    let done!: () => void;
    this.snapshotWrites = new Promise<void>((r) => (done = r));
    try {
      await before;
      await this.writeSnapshot(image, appliedSeq, slicesPerDrop, catalog);
      this.uncoveredBytes = Math.max(0, this.uncoveredBytes - covered);
      // Written and committed: nothing reads the image any more. (After a failure a write may
      // still be under way, so its memory is not reused.)
      steps?.scratch?.give(image.backing);
    } finally {
      done();
    }
  }

  private async writeSnapshot(
    image: CheckpointImage,
    appliedSeq: number,
    slicesPerDrop: number,
    catalog: Catalog | undefined,
  ): Promise<void> {
    const { generation } = await writeGeneration(this.io, image, () => {
      const w: Promise<unknown>[] = [];
      if (catalog) w.push(putCatalog(this.meta, catalog));
      // The layout before generations kept the sequences under `ingest`; now the generation does.
      if (this.meta.get(EXTRAS_KEY) !== undefined) w.push(this.meta.remove(EXTRAS_KEY));
      return w;
    });
    // The switch is durable before anything it covers goes.
    await this.flushed();
    // The entries it covers go TRIM_SLICE a transaction.
    // Removing an entry reads the first page of its value and the kernel maps the pages
    // around each page read: one transaction for a large log made the whole file resident
    // (about 90 MiB after a 36 M sample import). Between slices, every DROP_PAGES_BYTES of
    // entries (by the mean size of the batches since the last snapshot), the file's pages leave
    // the process (they stay in the page cache). Entries a crash leaves between slices are covered
    // by the snapshot: recovery reads the log from its sequence on, the next snapshot removes them.
    // Each slice's keys are listed once the slice before is committed (so from the log's
    // start): listing them all at once was one turn of tens of milliseconds at 1 M samples/s.
    const end = walKey(appliedSeq + 1, 0);
    let last: Promise<boolean> = Promise.resolve(true);
    let slices = 0;
    for (;;) {
      if (slices++ > 0) {
        await last;
        if ((slices - 1) % slicesPerDrop === 0) this.dropPages();
      }
      let n = 0;
      for (const k of this.wal.getKeys({ end, limit: TRIM_SLICE, snapshot: false })) {
        last = this.observed(this.wal.remove(Buffer.from(k as Uint8Array)));
        n++;
      }
      if (n < TRIM_SLICE) break;
    }
    await last;
    // The previous generation's pieces (and the layout before generations), a slice at a time.
    await removeStalePieces(this.io, generation, true);
    await this.flushed();
    if (slices > 1) this.dropPages();
  }

  /** Drops the log file's pages from the process's RSS (they stay in the page cache). */
  private dropPages(): void {
    let file = path.resolve(this.file);
    try {
      file = fs.realpathSync(file); // as /proc/self/maps names it
    } catch {
      // gone meanwhile: nothing of it to drop
    }
    dropMappedFilePages((p) => p === file);
  }

  /**
   * Rebuilds the hot state from the snapshot and the WAL after it. Returns
   * undefined when the log holds nothing, or is damaged (the caller then
   * rebuilds from the stream) unless `keepBeforeDamage`. Each damage is
   * reported as a WalCorruptError naming the file and the key.
   */
  recover(
    opts: RecoverOptions,
    onProblem: (err: WalCorruptError) => void,
  ): LocalRecovery | undefined {
    const { partition, maxChunkAgeMs } = opts;
    const headOpts: HeadOptions = { outOfOrderWindowMs: Number.MAX_SAFE_INTEGER, ...opts };
    let state: HotState | undefined;
    try {
      const cp = getCheckpoint(this.meta, headOpts);
      // A generation holds its own `ingest` record; before generations it was a key of its own.
      const extrasBytes = cp?.generation !== undefined ? cp.ingest : this.meta.get(EXTRAS_KEY);
      if (cp && extrasBytes) {
        const extras = decodeExtras(extrasBytes);
        const held = cp.head.takeSealed();
        if (held.length !== extras.firstSeqs.length || extras.open.length !== cp.head.series.length)
          throw new Error('snapshot parts disagree');
        state = new HotState(partition, maxChunkAgeMs, cp.head);
        state.restore(
          extras.appliedSeq,
          extras.open,
          extras.ooo,
          held.map(
            (c, i) =>
              ({
                ...c,
                firstSeq: extras.firstSeqs[i]!,
                published: extras.published[i] === 1,
              }) as HeldChunk,
          ),
        );
      }
    } catch (e) {
      // The key of the damaged piece or record when the error names one.
      const key = (e as { context?: { key?: unknown } }).context?.key;
      onProblem(
        new WalCorruptError(
          `snapshot in ${this.dir} is damaged: ${(e as Error).message}`,
          { file: this.file, key: typeof key === 'string' ? key : 'checkpoint' },
          { cause: e },
        ),
      );
      if (!opts.keepBeforeDamage) return undefined;
      state = undefined;
    }
    state ??= new HotState(partition, maxChunkAgeMs, new Head(headOpts));
    let batches = 0;
    let points = 0;
    let damagedAt: number | undefined;
    const damaged = (seq: number, what: string, cause: Error): void => {
      onProblem(
        new WalCorruptError(
          `${what} ${seq} in ${this.dir} is damaged: ${cause.message}`,
          { file: this.file, key: seq },
          { cause },
        ),
      );
      damagedAt = seq;
    };
    // From the snapshot's own sequence, kind 1: a seal marker written after the snapshot at the same sequence is replayed too.
    for (const { key, value } of this.wal.getRange({
      start: walKey(state.appliedSeq, KIND_SKIP),
      snapshot: false,
    })) {
      const k = key as Uint8Array;
      const seq = keySeq(k);
      const kind = k[8];
      if (kind === KIND_BATCH) {
        let b: SampleBatch;
        try {
          // No copy: the decoded columns are used up by apply() before the next entry is read.
          b = decodeSampleBatch(value as Buffer);
        } catch (e) {
          damaged(seq, 'WAL entry', e as Error);
          break;
        }
        state.apply(seq, b.seriesIds, b.timestamps, b.values, b.count, b.producerId);
        batches++;
        points += b.count;
      } else if (kind === KIND_SKIP) {
        state.skip(seq);
      } else if (kind === KIND_SEAL) {
        const v = value as Buffer;
        if (v.length !== 8 && !(v.length === 9 && v[8]! > 0)) {
          damaged(
            seq,
            'WAL seal marker',
            new Error('not an f64, or an f64 and a paced tick count'),
          );
          break;
        }
        if (v.length === 8) state.sealByAge(v.readDoubleLE(0));
        else for (let i = 0; i < v[8]!; i++) state.sealByAge(v.readDoubleLE(0), true);
      }
    }
    if (damagedAt !== undefined && !opts.keepBeforeDamage) return undefined;
    if (batches === 0 && state.appliedSeq === 0 && damagedAt === undefined) return undefined;
    return { state, replayedBatches: batches, replayedPoints: points, damagedAt };
  }

  /** The embedded engine's list of live warm and cold files (kept in `imeta`, docs/format/wal.md). */
  catalog(): Catalog {
    return getCatalog(this.meta);
  }

  /** Records the file list in this turn's transaction (atomically with a snapshot: snapshot()'s `catalog`). */
  putCatalog(c: Catalog): Promise<boolean> {
    return this.write(() => putCatalog(this.meta, c));
  }

  /** A small named value in `imeta` (the engine's partition count). */
  metaValue(name: string): Buffer | undefined {
    return this.meta.get(Buffer.from(name));
  }

  putMetaValue(name: string, value: Buffer): Promise<boolean> {
    return this.observed(this.meta.put(Buffer.from(name), value));
  }

  /**
   * Closes the environment. After a failed transaction lmdb-js may never settle
   * its flush promise (and so its close): both are given a few seconds, so a
   * partition can still be handed over on a full disk.
   */
  async close(): Promise<void> {
    const within = (p: PromiseLike<unknown>, ms: number) =>
      Promise.race([
        Promise.resolve(p).catch(() => undefined),
        new Promise((r) => setTimeout(r, ms).unref()),
      ]);
    await this.swapping?.catch(() => undefined); // close the environment in use after a compaction
    await within(this.wal.flushed, 2000);
    await within(this.env.close(), 5000);
  }

  /** Removes the partition's directory (after close). */
  static remove(dataDir: string, partition: number): void {
    fs.rmSync(path.join(dataDir, 'wal', `p${partition}`), { recursive: true, force: true });
  }
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
