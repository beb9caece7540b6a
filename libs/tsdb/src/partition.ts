import * as path from 'node:path';
import { decodeChunk } from '@ztsdb/chunkenc';
import type { RootDatabase } from 'lmdb';
import { ChunkIndex } from './chunk-index';
import type { ColdReader } from './cold-reader';
import { IndexCorruptError, type SkipSink } from './errors';
import { Head, type HeadOptions } from './head';
import { getCatalog, getCheckpoint, putCheckpoint, type Catalog } from './partition-meta';
import { openCatalogFiles, removeUnlisted } from './partition-files';
import { clipRange, mergeLatestWins, type Points, type VersionedPoints } from './points';
import { DRAIN_BATCH, SampleBuffer } from './sample-buffer';
import type { SealedChunk } from './sealed-chunk';
import { Wal, openBinaryDb, openEnv, type WalDb } from './wal';
import { encodeSamplesRecordFromSlots, encodeSealRecord } from './wal-record';
import type { WarmReader } from './warm-reader';

export interface PartitionOptions extends HeadOptions {
  /** Engine data dir; the partition uses wal/p<n>/, warm/p<n>/ and cold/p<n>/ in it. */
  dir: string;
  partition: number;
  onSkip: SkipSink;
  coldWindowMs: number;
  coldBlockPoints: number;
}

/**
 * One partition of the embedded engine: buffer → head (hot chunks, WAL and
 * chunk index in LMDB) → warm segments → cold files. Compaction lives in
 * partition-compact.ts.
 */
export class Partition {
  readonly buffer = new SampleBuffer();
  readonly warmDir: string;
  readonly coldDir: string;
  warm = new Map<string, WarmReader>();
  cold = new Map<string, ColdReader>();
  private lastWrite: Promise<unknown> = Promise.resolve();
  private writeError: unknown = null;
  private readonly slots = new Int32Array(DRAIN_BATCH);
  private readonly ts = new Float64Array(DRAIN_BATCH);
  private readonly vs = new Float64Array(DRAIN_BATCH);
  /** Sealed chunks whose chunk-index put has not committed yet. */
  private readonly uncommitted = new Set<SealedChunk>();
  /** Serialises checkpoints and compactions. */
  private exclusive: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly opts: PartitionOptions,
    readonly env: RootDatabase,
    readonly meta: WalDb,
    readonly chunks: ChunkIndex,
    readonly wal: Wal,
    public head: Head,
    public catalog: Catalog,
  ) {
    this.warmDir = path.join(opts.dir, 'warm', `p${opts.partition}`);
    this.coldDir = path.join(opts.dir, 'cold', `p${opts.partition}`);
  }

  get index(): number {
    return this.opts.partition;
  }

  /** Opens the LMDB environment, the catalog's files, restores the checkpoint and replays the WAL. */
  static async open(opts: PartitionOptions): Promise<Partition> {
    const env = openEnv(path.join(opts.dir, 'wal', `p${opts.partition}`));
    const meta = openBinaryDb(env, 'meta');
    const chunks = new ChunkIndex(openBinaryDb(env, 'chunks'));
    const catalog = getCatalog(meta);
    const headOpts: HeadOptions = { ...opts };
    let head = new Head(headOpts);
    let walSeq = 1;
    try {
      const cp = getCheckpoint(meta, headOpts);
      if (cp) {
        head = cp.head;
        walSeq = cp.walSeq;
      }
    } catch (err) {
      if (!(err instanceof IndexCorruptError)) throw err;
      opts.onSkip(err);
    }
    const wal = new Wal(openBinaryDb(env, 'wal'), { minNextSeq: walSeq });
    const p = new Partition(opts, env, meta, chunks, wal, head, catalog);
    await removeUnlisted(p.warmDir, catalog.warm);
    await removeUnlisted(p.coldDir, catalog.cold);
    const files = openCatalogFiles(p.warmDir, p.coldDir, catalog, opts.onSkip);
    p.warm = files.warm;
    p.cold = files.cold;
    wal.replay(
      walSeq,
      (_seq, rec) => {
        if (rec.type === 'samples') {
          for (let i = 0; i < rec.seriesIds.length; i++) {
            // The drain path's batched append, so replay rebuilds the very same chunks.
            head.appendStaged(
              head.getOrCreate(rec.seriesIds[i]!),
              rec.timestamps[i]!,
              rec.values[i]!,
            );
          }
        } else {
          head.sealByAge(rec.nowMs);
        }
        p.storeSealed();
      },
      opts.onSkip,
    );
    for (const s of head.series) if (s.lastT > s.maxSeen) s.maxSeen = s.lastT;
    await p.settle();
    return p;
  }

  private track(w: Promise<unknown>): void {
    this.lastWrite = w;
    w.catch((err: unknown) => {
      this.writeError ??= err;
    });
  }

  /** Writes sealed chunks of the head into the chunk index (same transaction as the WAL record of this turn). */
  private storeSealed(): void {
    const sealed = this.head.takeSealed();
    for (const c of sealed) {
      // LMDB reads see committed data only: keep the chunk readable from memory until its put commits.
      this.uncommitted.add(c);
      const w = this.chunks.put(c);
      this.track(w);
      w.then(
        () => this.uncommitted.delete(c),
        () => undefined,
      );
    }
  }

  /**
   * Moves everything in the buffer to the head, DRAIN_BATCH points per WAL
   * record. Synchronous; the records join this turn's LMDB transaction.
   */
  drain(): number {
    let moved = 0;
    const head = this.head;
    while (this.buffer.length > 0) {
      const n = this.buffer.shift(DRAIN_BATCH, this.slots, this.ts, this.vs);
      this.track(
        this.wal.append(
          encodeSamplesRecordFromSlots(head.series, this.slots, this.ts, this.vs, n, head.idWords),
        ).committed,
      );
      head.appendSlots(this.slots, this.ts, this.vs, n);
      this.storeSealed();
      moved += n;
    }
    return moved;
  }

  /** Seals chunks by age (logged in the WAL so replay seals the same chunks). */
  sealByAge(nowMs: number): number {
    this.drain();
    this.track(this.wal.append(encodeSealRecord(nowMs)).committed);
    const n = this.head.sealByAge(nowMs);
    this.storeSealed();
    return n;
  }

  /** Resolves when every write so far is durable; rethrows a failed write. */
  async settle(): Promise<void> {
    await this.lastWrite.catch(() => undefined);
    await this.wal.sync();
    if (this.writeError !== null) {
      const err = this.writeError;
      this.writeError = null;
      throw err;
    }
  }

  /** Drains the buffer and waits until it is on disk. */
  async flush(): Promise<void> {
    this.drain();
    await this.settle();
  }

  /** Runs `fn` after every earlier exclusive task. */
  runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(fn, fn);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  /**
   * Snapshots the head into LMDB and removes the WAL records it covers (one
   * transaction), then waits until durable. Returns the first sequence kept.
   */
  async checkpoint(): Promise<number> {
    this.drain();
    // Staged points go into the open chunks now (the snapshot holds chunks, not staging).
    this.head.flushStaged();
    this.storeSealed();
    const seq = this.wal.next;
    this.track(putCheckpoint(this.meta, seq, this.head));
    const truncated = this.wal.truncateBefore(seq);
    this.track(truncated);
    await truncated;
    await this.settle();
    return seq;
  }

  /** Every stored unit of a series within [start, end], with write versions. */
  sources(seriesId: bigint, start: number, end: number): VersionedPoints[] {
    this.drain();
    const onSkip = this.opts.onSkip;
    const out: VersionedPoints[] = [];
    for (const r of this.cold.values()) {
      if (r.windowEnd <= start || r.windowStart > end) continue;
      const p = r.read(seriesId, start, end, onSkip);
      if (p) out.push(p);
    }
    for (const r of this.warm.values()) out.push(...r.read(seriesId, start, end, onSkip));
    out.push(...this.chunks.read(seriesId, start, end, onSkip));
    for (const c of this.uncommitted) {
      if (c.seriesId === seriesId && c.maxT >= start && c.minT <= end) {
        out.push(clipRange({ ...decodeChunk(c.bytes), version: c.version }, start, end));
      }
    }
    out.push(...this.head.read(seriesId, start, end));
    return out;
  }

  /** One value per timestamp in [start, end], latest write wins. */
  query(seriesId: bigint, start: number, end: number): Points {
    return mergeLatestWins(this.sources(seriesId, start, end));
  }

  async close(): Promise<void> {
    await this.exclusive;
    this.drain();
    await this.settle();
    for (const r of this.warm.values()) r.close();
    for (const r of this.cold.values()) r.close();
    this.warm.clear();
    this.cold.clear();
    await this.env.close();
  }
}
