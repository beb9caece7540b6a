import type { NatsConnection } from '@nats-io/transport-node';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import {
  DEFAULT_RETRY_DEADLINE_MS,
  KV_SERIES,
  openSeriesBucket,
  restoreMissingSeries,
  withRetry,
  type RetryPolicy,
} from '@ztsdb/bus';
import { REGISTRY_SNAPSHOT_FILE } from '@ztsdb/config-lite';
import { processMetrics } from '@ztsdb/metrics';
import { decodeSeriesEntry, type SeriesEntry } from '@ztsdb/model';
import { readRegistrySnapshot, writeRegistrySnapshot } from '@ztsdb/registry';

const restoredTotal = processMetrics.counter(
  'ztsdb_compactor_series_restored_total',
  'Series registry entries put back into KV ztsdb_series from the snapshot.',
);

export interface RegistryKeeperOptions {
  dataDir: string;
  /** How often the snapshot is written (when changed) and the bucket checked. */
  intervalMs: number;
  /** Replicas of the bucket when it has to be created again (ZTSDB_REPLICAS). */
  replicas?: number;
  retry?: RetryPolicy;
  log: (msg: string) => void;
  warn: (msg: string) => void;
}

/**
 * Keeps the series registry recoverable: the names and labels of series live
 * only in KV `ztsdb_series`, so the compactor keeps a copy of every entry it
 * has seen in its data dir (`registry/series.snap`) and, each interval, puts
 * back what the bucket lost (re-creating the bucket when it was deleted).
 * Entries are never dropped from the copy: a key deleted from the bucket is
 * a key to restore.
 */
export class RegistryKeeper {
  private readonly entries = new Map<string, SeriesEntry>();
  private dirty = false;
  private watching: Promise<void> | undefined;
  private stopWatch: (() => void) | undefined;
  /** Creation time of the bucket's stream the watch follows: another one means the bucket was re-created. */
  private watchedBucket: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private stopped = false;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: RegistryKeeperOptions,
  ) {
    this.retry = opts.retry ?? { deadlineMs: DEFAULT_RETRY_DEADLINE_MS, log: opts.warn };
  }

  async start(): Promise<void> {
    try {
      for (const e of readRegistrySnapshot(this.opts.dataDir) ?? []) this.entries.set(e.id, e);
    } catch (e) {
      this.opts.warn(`${(e as Error).message}; the registry snapshot starts again from KV`);
    }
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.busy?.catch(() => undefined);
    this.stopWatch?.();
    await this.watching?.catch(() => undefined);
    if (this.dirty) await this.save().catch(() => undefined);
  }

  /** One round: (re)watch the bucket, put back what it lacks, write the snapshot if it changed. */
  tick(): Promise<void> {
    this.busy ??= this.round()
      .catch((e: Error) =>
        this.opts.warn(`series registry upkeep failed: ${e.message}; will retry`),
      )
      .finally(() => (this.busy = undefined));
    return this.busy;
  }

  get size(): number {
    return this.entries.size;
  }

  private async round(): Promise<void> {
    // Opens the bucket, creating it again if it was deleted.
    const kv = await withRetry(
      `opening KV ${KV_SERIES}`,
      () => openSeriesBucket(this.nc, this.opts.replicas ?? 1),
      this.retry,
    );
    let status = await withRetry(`status of KV ${KV_SERIES}`, () => kv.status(), this.retry);
    if (this.watching && this.watchedBucket !== status.streamInfo.created) {
      // A watch on a deleted bucket does not move to the new one by itself.
      this.stopWatch?.();
      await this.watching.catch(() => undefined);
    }
    if (!this.watching) {
      this.watchedBucket = status.streamInfo.created;
      await this.watch(kv);
      status = await withRetry(`status of KV ${KV_SERIES}`, () => kv.status(), this.retry);
    }
    if (status.values < this.entries.size) {
      const n = await restoreMissingSeries(kv, [...this.entries.values()], this.retry);
      if (n > 0) {
        restoredTotal.inc({}, n);
        this.opts.warn(
          `KV ${KV_SERIES} had lost ${n} series entries (deleted?); restored them from ${this.opts.dataDir}/${REGISTRY_SNAPSHOT_FILE}`,
        );
      }
    }
    if (this.dirty) await this.save();
  }

  /** Follows the bucket; resolves once the current entries are in. */
  private async watch(kv: KV): Promise<void> {
    const w = await withRetry(`watching KV ${KV_SERIES}`, () => kv.watch(), this.retry);
    this.stopWatch = () => w.stop();
    let caughtUp!: () => void;
    const ready = new Promise<void>((r) => (caughtUp = r));
    if ((await kv.status()).values === 0) caughtUp();
    this.watching = (async () => {
      for await (const e of w) {
        this.apply(e);
        if (e.delta === 0) caughtUp();
      }
    })()
      .catch((e: Error) => {
        if (!this.stopped) this.opts.warn(`watch of KV ${KV_SERIES} ended: ${e.message}`);
      })
      .finally(() => {
        // The bucket was deleted, or the connection closed: the next round watches again.
        this.watching = undefined;
        caughtUp();
      });
    await ready;
  }

  private apply(e: KvWatchEntry): void {
    if (e.operation !== 'PUT') return;
    try {
      const entry = decodeSeriesEntry(e.key, e.value);
      const old = this.entries.get(e.key);
      if (old && JSON.stringify(old) === JSON.stringify(entry)) return;
      this.entries.set(e.key, entry);
      this.dirty = true;
    } catch {
      // not an entry a producer wrote; nothing to keep
    }
  }

  private async save(): Promise<void> {
    this.dirty = false;
    try {
      await writeRegistrySnapshot(this.opts.dataDir, [...this.entries.values()]);
    } catch (e) {
      this.dirty = true;
      throw e;
    }
  }
}
