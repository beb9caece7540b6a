import * as path from 'node:path';
import type { SkipSink } from '../errors';
import { Head } from '../head/head';
import { HotState } from '../head/hot-state';
import type { VersionedPoints } from '../encoding/points';
import type { ColdReader } from '../tiers/cold-reader';
import { openCatalogFiles, removeUnlisted } from '../tiers/partition-files';
import type { WarmReader } from '../tiers/warm-reader';
import { LocalLog } from '../wal/local-log';
import type { Catalog } from '../wal/snapshot-store';
import { AppendBuffer, DRAIN_BATCH } from './append-buffer';
import { WalEntryWriter } from './wal-entry';

/** The id column apply() is given when it has the slots (it reads no id then). */
const NO_IDS = new BigUint64Array(0);

export interface EnginePartitionOptions {
  /** Engine data dir; the partition uses wal/p<n>/, warm/p<n>/ and cold/p<n>/ in it. */
  dir: string;
  partition: number;
  maxChunkAgeMs: number;
  oooCapacity: number;
  coldWindowMs: number;
  coldBlockPoints: number;
  onSkip: SkipSink;
}

/**
 * One partition of the embedded engine on the production head and WAL: an
 * append buffer → batches written to the partition's WAL (LocalLog, the
 * ingestor's format, sequences numbered by the engine) and applied to the
 * head (HotState, which holds sealed chunks until compaction writes them to a
 * warm segment) → warm segments → cold files, listed in the log's catalog.
 * Compaction lives in compaction.ts.
 */
export class EnginePartition {
  readonly buffer = new AppendBuffer();
  private readonly entries = new WalEntryWriter(DRAIN_BATCH);
  readonly warmDir: string;
  readonly coldDir: string;
  warm = new Map<string, WarmReader>();
  cold = new Map<string, ColdReader>();
  /** Sequence of the last batch written to the WAL. */
  private seq: number;
  private lastWrite: Promise<unknown> = Promise.resolve();
  private writeError: unknown = null;
  /** Serialises snapshots and compactions. */
  private exclusive: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly opts: EnginePartitionOptions,
    readonly log: LocalLog,
    readonly state: HotState,
    public catalog: Catalog,
  ) {
    this.warmDir = path.join(opts.dir, 'warm', `p${opts.partition}`);
    this.coldDir = path.join(opts.dir, 'cold', `p${opts.partition}`);
    this.seq = Math.max(state.appliedSeq, log.lastSeq());
  }

  get index(): number {
    return this.opts.partition;
  }

  /** Opens the WAL (rebuilding the head from its snapshot and entries) and the catalog's files. */
  static async open(opts: EnginePartitionOptions): Promise<EnginePartition> {
    const log = LocalLog.open(opts.dir, opts.partition);
    try {
      const headOpts = {
        partition: opts.partition,
        maxChunkAgeMs: opts.maxChunkAgeMs,
        oooCapacity: opts.oooCapacity,
        // The engine checks the out-of-order window at insert; the head takes what reaches it.
        outOfOrderWindowMs: Number.MAX_SAFE_INTEGER,
      };
      const rec = log.recover({ ...headOpts, keepBeforeDamage: true }, opts.onSkip);
      // Entries from a damaged one on are dropped: new batches must not follow a hole.
      if (rec?.damagedAt !== undefined) await log.removeFrom(rec.damagedAt);
      const state =
        rec?.state ?? new HotState(opts.partition, opts.maxChunkAgeMs, new Head(headOpts));
      for (const s of state.head.series) if (s.lastT > s.maxSeen) s.maxSeen = s.lastT;
      const p = new EnginePartition(opts, log, state, log.catalog());
      await removeUnlisted(p.warmDir, p.catalog.warm);
      await removeUnlisted(p.coldDir, p.catalog.cold);
      const files = openCatalogFiles(p.warmDir, p.coldDir, p.catalog, opts.onSkip);
      p.warm = files.warm;
      p.cold = files.cold;
      return p;
    } catch (err) {
      await log.close();
      throw err;
    }
  }

  private track(w: Promise<unknown>): void {
    this.lastWrite = w;
    w.catch((err: unknown) => {
      this.writeError ??= err;
    });
  }

  /**
   * Moves everything in the buffer to the head, DRAIN_BATCH points per WAL
   * entry: the batch is queued in this turn's LMDB transaction, then applied
   * (the ingestor's order too, minus the wait for durability, which flush() gives).
   */
  drain(): number {
    let moved = 0;
    const p = this.opts.partition;
    for (let b = this.buffer.next(); b !== undefined; b = this.buffer.next()) {
      const seq = ++this.seq;
      // Sample batch version 2, as the ingestor stores what producers send: it names each
      // distinct series and timestamp once, about two thirds of version 1's bytes here, and
      // LMDB's cost grows with the bytes (docs/benchmarks.md, one engine).
      const entry = this.entries.encode(
        p,
        0n,
        BigInt(seq),
        this.buffer.idsBySlot,
        b.slots,
        b.ts,
        b.vs,
        b.count,
      );
      const write = this.log.putBatch(seq, entry.bytes);
      this.track(write);
      write.then(entry.done, entry.done);
      this.state.apply(seq, NO_IDS, b.ts, b.vs, b.count, undefined, b.slots);
      moved += b.count;
    }
    return moved;
  }

  /** Seals chunks by age (a WAL seal marker, so a replay seals the same chunks). */
  sealByAge(nowMs: number): number {
    this.drain();
    const n = this.state.sealByAge(nowMs);
    if (n > 0) this.track(this.log.putSeal(this.state.appliedSeq, nowMs));
    return n;
  }

  /** Resolves when every write so far is durable; rethrows a failed write. */
  async settle(): Promise<void> {
    await this.lastWrite.catch(() => undefined);
    await this.log.flushed().catch((err: unknown) => (this.writeError ??= err));
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

  /** Snapshots the head (with its held sealed chunks) and trims the WAL it covers (one transaction). */
  async snapshot(): Promise<void> {
    this.drain();
    await this.log.snapshot(this.state);
    await this.settle();
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
    out.push(...this.state.sources(seriesId, start, end));
    return out;
  }

  async close(): Promise<void> {
    await this.exclusive;
    try {
      await this.snapshot();
    } finally {
      for (const r of this.warm.values()) r.close();
      for (const r of this.cold.values()) r.close();
      this.warm.clear();
      this.cold.clear();
      await this.log.close();
    }
  }
}
