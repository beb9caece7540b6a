import * as fs from 'node:fs';
import * as path from 'node:path';
import { RepeatedWarnings } from '@ztsdb/bus';
import { coldDirOf } from '@ztsdb/config-lite';
import type { ZtsdbError } from '@ztsdb/errors';
import { fsyncDir } from '@ztsdb/fileutil';
import {
  addedEvent,
  removalEvent,
  type CatalogFile,
  type FileCatalog,
  type ManifestPublisher,
  sizeAndCrc,
} from '@ztsdb/manifest';
import { processMetrics, SLOW_BUCKETS } from '@ztsdb/metrics';
import type { TierStore } from '@ztsdb/tierstore';
import {
  ColdFileWriter,
  ColdReader,
  coldFileName,
  mergeWarmSeries,
  WarmReader,
  windowStartOf,
  writeColdFile,
} from '@ztsdb/tsdb';
import { coldWindowOf, type CompactorOptions } from './compactor-options';
import { sweepObjects } from './object-sweep';

const coldFiles = processMetrics.counter(
  'ztsdb_compactor_cold_files_total',
  'Cold files written and recorded.',
);
const coldPoints = processMetrics.counter(
  'ztsdb_compactor_cold_points_total',
  'Points written into cold files.',
);
const removedFiles = processMetrics.counter(
  'ztsdb_compactor_removed_files_total',
  'Superseded or expired files deleted after the grace period.',
);
const expiredFiles = processMetrics.counter(
  'ztsdb_compactor_expired_files_total',
  'Cold files expired by retention.',
);
const skipped = processMetrics.counter(
  'ztsdb_compactor_skipped_total',
  'Damaged chunks, blocks or files left out of a merge.',
);
const mergeSeconds = processMetrics.histogram(
  'ztsdb_compactor_merge_seconds',
  'Time of one warm → cold merge of a partition (all its windows).',
  SLOW_BUCKETS,
);
const mergeProgress = processMetrics.gauge(
  'ztsdb_compactor_merge_progress',
  'Fraction of the current warm → cold merge done, by partition (1 when idle).',
  ['partition'],
);
const mergeWindowsLeft = processMetrics.gauge(
  'ztsdb_compactor_merge_windows_pending',
  'Cold windows still to write in the current merge, by partition.',
  ['partition'],
);

/** Longest a merge runs before it lets other work on the event loop have a turn. */
const MERGE_TURN_MS = 50;

/** A cold file being written by a merge: its name under the data directory and its writer. */
interface ColdOutput {
  file: string;
  writer: ColdFileWriter;
}

/**
 * The periodic work on files: warm → cold merges, retention, and deleting
 * retired files once their grace period is over. Every step is recorded in
 * the manifest before the next one depends on it (every new file is in the
 * object store before its event), so a crash at any point
 * leaves a catalog that a restart finishes from.
 */
export class TierMaintainer {
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private stopped = false;
  private readonly failures: RepeatedWarnings;
  /** When the bucket was last swept (0: not yet). */
  private sweptAt = 0;

  constructor(
    private readonly catalog: FileCatalog,
    private readonly manifest: ManifestPublisher,
    private readonly tiers: TierStore,
    private readonly opts: CompactorOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.failures = new RepeatedWarnings(opts.warn, opts.stallLogMs ?? 60_000);
  }

  /** Only the lease holder of a partition merges, expires and removes its files. */
  private owns(p: number): boolean {
    return this.opts.owns?.(p) ?? true;
  }

  start(): void {
    for (let p = 0; p < this.opts.partitions; p++) mergeProgress.set(1, { partition: String(p) });
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.busy?.catch(() => undefined);
  }

  /** Resolves once no round is in progress. */
  idle(): Promise<void> {
    return this.busy?.catch(() => undefined) ?? Promise.resolve();
  }

  /** One round; concurrent calls wait for the round in progress. */
  tick(): Promise<void> {
    if (this.busy) return this.busy;
    this.busy = this.round()
      .then(() => this.failures.reset('round'))
      .catch((e: NodeJS.ErrnoException) => {
        // A full disk fails every round until space returns: one line a minute, not one a round.
        this.failures.report(
          'round',
          e.code === 'ENOSPC'
            ? `compaction paused: the disk is full (${e.message}); files stay as they are, will retry`
            : `compaction round failed: ${e.stack ?? e.message}; will retry`,
        );
      })
      .finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async round(): Promise<void> {
    for (let p = 0; p < this.opts.partitions && !this.stopped; p++)
      if (this.owns(p)) await this.mergePartition(p);
    if (!this.stopped) await this.expire();
    if (!this.stopped) await this.removeRetired();
    const every = this.opts.objectSweepMs ?? 3600_000;
    if (!this.stopped && every > 0 && this.now() - this.sweptAt >= every) {
      this.sweptAt = this.now();
      await sweepObjects(this.tiers, this.catalog, {
        owns: (p) => this.owns(p),
        minAgeMs: this.opts.objectSweepAgeMs ?? 3600_000,
        now: this.now(),
        stopped: () => this.stopped,
        log: this.opts.log,
        warn: this.opts.warn,
      });
    }
  }

  /** Merges the partition's warm files older than ZTSDB_COLD_AFTER into cold files, a bounded number per pass. */
  async mergePartition(p: number): Promise<void> {
    const now = this.now();
    for (;;) {
      const eligible = this.catalog
        .live(p)
        .filter((f) => f.tier === 'warm' && now - f.atMs >= this.opts.coldAfterMs)
        .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
        .slice(0, this.opts.mergeFiles);
      if (eligible.length === 0 || this.stopped || !this.owns(p)) return;
      await this.mergeFiles(p, eligible);
    }
  }

  private async mergeFiles(p: number, warm: CatalogFile[]): Promise<void> {
    const label = { partition: String(p) };
    const onSkip = (e: ZtsdbError): void => {
      skipped.inc();
      this.opts.warn(`merge of partition ${p}: skipped ${e.message}`);
    };
    const readers: WarmReader[] = [];
    const usable: string[] = [];
    for (const f of warm) {
      try {
        readers.push(WarmReader.open(await this.tiers.ensure(f)));
        usable.push(f.file);
      } catch (e) {
        // Left live (queries keep reporting it) rather than deleted: an operator decides.
        onSkip(e as ZtsdbError);
      }
    }
    if (usable.length === 0) {
      this.opts.warn(
        `partition ${p}: none of ${warm.length} warm files could be opened; they stay in place`,
      );
      return;
    }
    const started = Date.now();
    const cold = new Map<number, ColdOutput>();
    // The cold files of every window the warm files may touch, opened before the
    // merge (which reads them as it goes); only the windows it touches are replaced.
    const existing = await this.openExistingCold(p, readers, onSkip);
    let turnStarted = Date.now();
    try {
      const merged = mergeWarmSeries(
        readers,
        this.opts.coldWindowMs,
        (w) => existing.get(w)?.readers ?? [],
        onSkip,
      );
      for (const { windowStart: w, series, progress } of merged) {
        let out = cold.get(w);
        if (!out) {
          out = await this.openCold(p, w);
          cold.set(w, out);
          mergeWindowsLeft.set(cold.size, label);
        }
        await out.writer.add(series);
        mergeProgress.set(progress, label);
        if (Date.now() - turnStarted >= MERGE_TURN_MS) {
          // Lets the chunk consumer, lease renewals and /metrics run between series.
          await new Promise((r) => setImmediate(r));
          turnStarted = Date.now();
        }
      }
      const windows = [...cold.keys()].sort((a, b) => a - b);
      if (windows.length === 0) {
        // nothing intact: one empty-handed event still retires them
        this.opts.log(`partition ${p}: ${usable.length} warm files hold no intact point`);
        await this.recordEmptyMerge(p, usable);
      }
      this.opts.log(
        `partition ${p}: merged ${usable.length} warm files into ${windows.length} cold window(s)`,
      );
      for (let i = 0; i < windows.length; i++) {
        const w = windows[i]!;
        const { file, writer } = cold.get(w)!;
        const sum = await writer.finish();
        cold.delete(w);
        mergeWindowsLeft.set(windows.length - i - 1, label);
        const object = await this.tiers.upload(file, sum.crc32c);
        // Only the last window's event retires the warm files: until then they still serve the other windows.
        const last = i === windows.length - 1;
        const replaces = [...(existing.get(w)?.names ?? []), ...(last ? usable : [])];
        const { bytes, crc32c, ...stats } = sum;
        await this.manifest.record({
          ...addedEvent('cold-added', p, file, [], stats, { replaces, object }),
          bytes,
          crc32c,
        });
        coldFiles.inc();
        coldPoints.inc({}, stats.points);
        this.opts.log(
          `partition ${p}: cold window ${new Date(w).toISOString()} written (${file}, ${stats.points} points, ${i + 1}/${windows.length})`,
        );
      }
    } finally {
      for (const { writer } of cold.values()) await writer.abort();
      for (const e of existing.values()) for (const r of e.readers) r.close();
      for (const r of readers) r.close();
      mergeSeconds.observe((Date.now() - started) / 1000);
      mergeProgress.set(1, label);
      mergeWindowsLeft.set(0, label);
      this.opts.afterMerge?.();
    }
    this.opts.log(
      `partition ${p}: merge of ${usable.length} warm files done in ${Date.now() - started} ms`,
    );
  }

  /** The live cold files of the windows that the warm files' time range covers, opened. */
  private async openExistingCold(
    p: number,
    warm: readonly WarmReader[],
    onSkip: (e: ZtsdbError) => void,
  ): Promise<Map<number, { names: string[]; readers: ColdReader[] }>> {
    const windowMs = this.opts.coldWindowMs;
    let minT = Infinity;
    let maxT = -Infinity;
    for (const r of warm) {
      if (r.chunkCount === 0) continue;
      if (r.minT < minT) minT = r.minT;
      if (r.maxT > maxT) maxT = r.maxT;
    }
    const out = new Map<number, { names: string[]; readers: ColdReader[] }>();
    if (minT > maxT) return out;
    const first = windowStartOf(minT, windowMs);
    const last = windowStartOf(maxT, windowMs);
    for (const f of this.catalog.live(p)) {
      if (f.tier !== 'cold') continue;
      const w = coldWindowOf(f.file);
      if (w === undefined || w < first || w > last) continue;
      try {
        const r = ColdReader.open(await this.tiers.ensure(f));
        let e = out.get(w);
        if (!e) out.set(w, (e = { names: [], readers: [] }));
        e.names.push(f.file);
        e.readers.push(r);
      } catch (e) {
        onSkip(e as ZtsdbError);
      }
    }
    return out;
  }

  /** A new cold file of window `w`, its generation reserved, written as the merge goes. */
  private async openCold(p: number, w: number): Promise<ColdOutput> {
    const gen = this.catalog.nextColdGen();
    this.catalog.reserveColdGen(gen);
    const file = `${coldDirOf(p)}/${coldFileName(w, gen)}`;
    const writer = await ColdFileWriter.open(
      path.join(this.opts.dataDir, file),
      {
        partition: p,
        windowStart: w,
        windowEnd: w + this.opts.coldWindowMs,
        packedSlack: this.opts.coldPackedSlack,
        brotliQuality: this.opts.coldBrotliQuality,
      },
      this.opts.mergeBufferBytes,
    );
    return { file, writer };
  }

  /** Warm files with no intact chunk: an empty cold file of their own records that they are retired. */
  private async recordEmptyMerge(p: number, usable: string[]): Promise<void> {
    const gen = this.catalog.nextColdGen();
    this.catalog.reserveColdGen(gen);
    const file = `${coldDirOf(p)}/${coldFileName(0, gen)}`;
    const pieces = await writeColdFile(
      path.join(this.opts.dataDir, file),
      { partition: p, windowStart: 0, windowEnd: 0 },
      [],
    );
    const object = await this.tiers.upload(file, sizeAndCrc(pieces).crc32c);
    await this.manifest.record(
      addedEvent(
        'cold-added',
        p,
        file,
        pieces,
        { minT: 0, maxT: 0, seriesCount: 0, points: 0 },
        { replaces: usable, object },
      ),
    );
  }

  /** Cold files whose newest point is older than ZTSDB_RETENTION get an `expired` event. */
  async expire(): Promise<void> {
    const cutoff = this.now() - this.opts.retentionMs;
    for (const f of this.catalog.live()) {
      if (f.tier !== 'cold' || f.maxT >= cutoff || !this.owns(f.partition)) continue;
      await this.manifest.record(removalEvent('expired', f.partition, f.file));
      expiredFiles.inc();
      this.opts.log(`expired ${f.file} (newest point ${new Date(f.maxT).toISOString()})`);
    }
  }

  /** Deletes superseded and expired files whose grace period is over: `warm-removed` first, then the file. */
  async removeRetired(): Promise<void> {
    const now = this.now();
    const dirs = new Set<string>();
    for (const f of this.catalog.retired()) {
      const since = f.supersededAtMs ?? f.expiredAtMs!;
      if (now - since < this.opts.graceMs || !this.owns(f.partition)) continue;
      const full = path.join(this.opts.dataDir, f.file);
      const size = fileSize(full);
      if (size !== undefined && size !== f.bytes) {
        // Not the file the manifest recorded: not ours to delete.
        this.failures.report(
          `foreign ${f.file}`,
          `${f.file} is ${size} bytes, not the ${f.bytes} its manifest event recorded; left in place`,
        );
        continue;
      }
      await this.manifest.record(removalEvent('warm-removed', f.partition, f.file));
      fs.rmSync(full, { force: true });
      dirs.add(path.dirname(full));
      // After the removal is recorded: no reader of the manifest looks for the object again.
      await this.tiers
        .remove(f)
        .catch((e: Error) =>
          this.opts.warn(
            `object ${f.object} of ${f.file} not deleted from the object store: ${e.message}`,
          ),
        );
      removedFiles.inc();
    }
    for (const d of dirs) await fsyncDir(d);
  }
}

/** Size of a file, or undefined when it is gone. */
function fileSize(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
