import * as path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ZtsdbError } from '@ztsdb/errors';
import { FileCatalog, ManifestFollower, type CatalogFile } from '@ztsdb/manifest';
import { CACHE_DIR } from '@ztsdb/config-lite';
import { DEFAULT_TIER_CACHE_BYTES, TierCache, TierStore } from '@ztsdb/tierstore';
import {
  denseInstants,
  thinUnit,
  TierReader,
  type StepInstants,
  type VersionedPoints,
} from '@ztsdb/tsdb';
import type { ManifestEvent } from '@ztsdb/wire';
import { clipUnits, DecodedCache } from './decoded-cache';

/** Decoded cache budget when none is given (ZTSDB_QUERY_DECODED_CACHE_BYTES' default). */
export const DEFAULT_DECODED_CACHE_BYTES = 64 * 1024 * 1024;
/** A file whose span is at most this many times the asked range is decoded whole (and cached so). */
const WHOLE_FILE_FACTOR = 4;

/**
 * The query service's view of the warm and cold files: its own catalog, rebuilt by replaying the
 * manifest stream and kept current by following it, and the files it names fetched from the object
 * store into its own cache (`cache/` of its data dir; newly announced files are prefetched) and
 * opened there through mmap. Files retired by an event or evicted from the cache are unmapped at
 * once; a read fetches what it needs first, then reads synchronously and copies, so no read sees a
 * file go.
 */
export class TieredStore {
  readonly catalog: FileCatalog;
  private readonly reader: TierReader;
  private tiers: Pick<TierStore, 'cache' | 'ensure'> | undefined;
  private follower: ManifestFollower | undefined;
  private byPartition: Map<number, CatalogFile[]> | undefined;
  readonly cache: DecodedCache;
  ready = false;
  private preparing: Promise<void> | undefined;
  private prepareAgain = false;
  private stopped = false;

  /** `nc` null: a store over local files only (overLocalFiles), never started. */
  constructor(
    private readonly nc: NatsConnection | null,
    readonly dataDir: string,
    private readonly warn: (m: string) => void,
    cacheBytes = DEFAULT_DECODED_CACHE_BYTES,
    partitions?: number,
    private readonly tierOpts: {
      cacheBytes: number;
      replicas: number;
      /** Cold files left resident once checked (ZTSDB_QUERY_COLD_RESIDENT_BYTES); none: all. */
      residentColdBytes?: number;
    } = {
      cacheBytes: DEFAULT_TIER_CACHE_BYTES,
      replicas: 1,
    },
  ) {
    this.catalog = new FileCatalog({ partitions });
    this.reader = new TierReader(
      (f) => this.tiers!.cache.readyPath(f) ?? this.cachePath(f.file),
      tierOpts.residentColdBytes,
    );
    this.cache = new DecodedCache(cacheBytes);
  }

  /**
   * A store over files already in `dataDir` and named by `events`, with no NATS and no object
   * store: every read runs the code a running store's does (catalog, decoded cache, tier cache,
   * readers; its cold files are checked and readied in the background, as at a start). The
   * query service's start-up warm-up reads its synthetic files through one.
   */
  static overLocalFiles(
    dataDir: string,
    events: readonly ManifestEvent[],
    decodedCacheBytes: number,
  ): TieredStore {
    const store = new TieredStore(null, dataDir, () => undefined, decodedCacheBytes);
    const cache = new TierCache({
      dir: path.join(dataDir, CACHE_DIR),
      maxBytes: 0,
      localDir: dataDir,
      preferLocal: true,
    });
    store.tiers = { cache, ensure: (f) => cache.ensure(f) };
    for (const e of events) store.catalog.apply(e);
    store.ready = true;
    // Checked and readied in the background as a running store's are (prepared() awaits it).
    store.prepareColdFiles();
    return store;
  }

  async start(): Promise<void> {
    if (this.nc === null) throw new Error('a store over local files only is not started');
    this.tiers = await TierStore.open(this.nc, {
      dataDir: this.dataDir,
      cacheBytes: this.tierOpts.cacheBytes,
      replicas: this.tierOpts.replicas,
      onEvict: (file) => this.reader.retire(file),
      // A cold file skipped by the preparation because it was not here yet is prepared now,
      // so its first query does not open and check it.
      onPrefetched: (file) => {
        if (this.ready && this.catalog.get(file)?.tier === 'cold') this.prepareColdFiles();
      },
      warn: this.warn,
    });
    this.follower = new ManifestFollower(jetstream(this.nc), {
      follow: true,
      catalog: this.catalog,
      onEvent: (e) => {
        this.byPartition = undefined;
        // Called from the follower's message loop: nothing may escape it.
        try {
          if (e.kind === 'warm-removed' || e.kind === 'expired') this.reader.retire(e.file);
          for (const r of e.replaces ?? []) {
            this.reader.retire(r);
            this.cache.dropFile(r);
          }
          if (e.kind === 'warm-added' || e.kind === 'cold-added') {
            this.reader.forget(e.file);
            const added = this.catalog.get(e.file);
            // Files announced while running; at start, the newest are prefetched after the replay.
            if (added && this.ready)
              this.tiers!.cache.prefetch(
                added,
                () => added.supersededAtMs === undefined && added.expiredAtMs === undefined,
              );
          }
          if (e.kind === 'cold-added' && this.ready) this.prepareColdFiles();
          if (e.kind === 'warm-removed') this.tiers!.cache.drop(e.file);
          this.cache.dropFile(e.file);
        } catch (err) {
          this.warn(`manifest event for ${e.file} not applied: ${(err as Error).message}`);
        }
      },
      // A snapshot replaced a partition's entries: the per-partition lists are built again.
      onSnapshot: () => (this.byPartition = undefined),
      warn: this.warn,
    });
    await this.follower.start();
    this.prefetchNewest();
    this.ready = true;
    this.prepareColdFiles();
  }

  /**
   * Opens the live cold files that are on this host and checks their blocks' CRC-32Cs in the
   * background (TierReader.prepare), one file after another, so that a file's first query
   * costs what later ones do. Asked again after each cold-added event; a run in progress
   * picks up the files added meanwhile.
   */
  private prepareColdFiles(): void {
    this.prepareAgain = true;
    if (this.preparing) return;
    this.preparing = (async () => {
      while (this.prepareAgain) {
        this.prepareAgain = false;
        for (const f of this.catalog.live()) {
          if (this.stopped) return;
          if (f.tier !== 'cold' || !this.tiers || !this.tiers.cache.isReady(f)) continue;
          await this.reader.prepare(f, () => new Promise((r) => setImmediate(r)));
        }
      }
    })()
      .catch((e: Error) => this.warn(`preparing cold files: ${e.message}`))
      .finally(() => (this.preparing = undefined));
  }

  /** Tier files this store holds open (mapped). */
  get openFiles(): number {
    return this.reader.openFiles;
  }

  /** Resolves when the background preparation of cold files (if any) is done. */
  async prepared(): Promise<void> {
    while (this.preparing) await this.preparing;
  }

  /** Queues the live files with the newest data, up to half the cache, for prefetch. */
  private prefetchNewest(): void {
    const budget = this.tierOpts.cacheBytes / 2;
    let bytes = 0;
    for (const f of this.catalog.live().sort((a, b) => b.maxT - a.maxT)) {
      bytes += f.bytes;
      if (bytes > budget) break;
      this.tiers!.cache.prefetch(
        f,
        () => f.supersededAtMs === undefined && f.expiredAtMs === undefined,
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.follower?.stop();
    await this.prepared();
    this.reader.close();
    this.cache.clear();
  }

  /** Live files of a partition, newest catalog. */
  files(partition: number): CatalogFile[] {
    if (!this.byPartition) {
      const m = new Map<number, CatalogFile[]>();
      for (const f of this.catalog.live()) {
        let l = m.get(f.partition);
        if (!l) m.set(f.partition, (l = []));
        l.push(f);
      }
      this.byPartition = m;
    }
    return this.byPartition.get(partition) ?? [];
  }

  /**
   * Appends one series' stored units in [start, end] from the partition's warm and cold files,
   * through the decoded-points cache. A file not much longer than the range is decoded whole, so
   * later ranges hit the cache.
   */
  async read(
    partition: number,
    seriesId: bigint,
    start: number,
    end: number,
    out: VersionedPoints[],
    onSkip: (e: ZtsdbError) => void,
  ): Promise<void> {
    for (const f of this.files(partition)) {
      if (f.maxT < start || f.minT > end) continue;
      if (this.cache.maxBytes > 0 && this.cache.read(f.file, seriesId, start, end, out, onSkip))
        continue;
      if (!(await this.present(f, onSkip))) continue;
      this.readFile(f, seriesId, start, end, out, onSkip);
    }
  }

  /** One file's units of a series in [start, end] (the file is present), filling the decoded cache when it is on. */
  private readFile(
    f: CatalogFile,
    seriesId: bigint,
    start: number,
    end: number,
    out: VersionedPoints[],
    onSkip: (e: ZtsdbError) => void,
  ): void {
    // Decoding a whole file only pays when the cache keeps it for later ranges.
    const whole = this.cache.maxBytes > 0 && f.maxT - f.minT <= WHOLE_FILE_FACTOR * (end - start);
    const rs = whole ? -Infinity : start;
    const re = whole ? Infinity : end;
    const units: VersionedPoints[] = [];
    const skipped: ZtsdbError[] = [];
    this.reader.read([f], seriesId, rs, re, units, (e) => skipped.push(e));
    if (this.cache.maxBytes > 0) this.cache.put(f.file, seriesId, rs, re, units, skipped);
    clipUnits(units, start, end, out);
    for (const e of skipped) onSkip(e);
  }

  /**
   * As read(), keeping only the points step sampling at `inst` needs (an instant vector
   * selector): a cold file's packed columns read by index, else cached points thinned, else a
   * warm file's chunks thinned as decoded (few points kept: not cached) unless the instants are
   * about as dense as its points (denseInstants); anything else is, with the cache on, read and
   * cached whole (a compressed column costs ten times more to decode than to thin), then thinned.
   */
  async readAtInstants(
    partition: number,
    seriesId: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    out: VersionedPoints[],
    onSkip: (e: ZtsdbError) => void,
  ): Promise<void> {
    const cached: VersionedPoints[] = [];
    for (const f of this.files(partition)) {
      if (f.maxT < start || f.minT > end) continue;
      // Read by index, no cache lookup needed: costs about what thinning cached points does.
      if (
        f.tier === 'cold' &&
        this.tiers!.cache.isReady(f) &&
        this.reader.readAtInstantsIfCheap(f, seriesId, start, end, inst, out, onSkip)
      )
        continue;
      cached.length = 0;
      const cachedHere =
        this.cache.maxBytes > 0 && this.cache.read(f.file, seriesId, start, end, cached, onSkip);
      if (!cachedHere && !(await this.present(f, onSkip))) continue;
      const viaCache =
        cachedHere || (this.cache.maxBytes > 0 && (f.tier === 'cold' || denseInstants(inst, f)));
      if (!viaCache) {
        this.reader.readAtInstants([f], seriesId, start, end, inst, out, onSkip);
        continue;
      }
      if (!cachedHere) this.readFile(f, seriesId, start, end, cached, onSkip);
      for (const u of cached) {
        const thin = thinUnit(u, start, end, inst);
        if (thin) out.push(thin);
      }
    }
  }

  /**
   * readAtInstants done at once, without a turn of the event loop, when every file of the
   * partition that overlaps [start, end] is a cold file on this host whose blocks for the
   * series are read by index (TierReader.readAtInstantsIfCheap), as they are for a gauge's
   * packed columns: true, with the units appended and the skipped data reported. Otherwise
   * false, with nothing appended or reported: the caller reads through readAtInstants (fetch,
   * decoded cache). A query over many series so makes no promise per series.
   */
  readAtInstantsNow(
    partition: number,
    seriesId: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    out: VersionedPoints[],
    onSkip: (e: ZtsdbError) => void,
  ): boolean {
    const files = this.files(partition);
    for (const f of files) {
      if (f.maxT < start || f.minT > end) continue;
      if (f.tier !== 'cold' || !this.tiers!.cache.isReady(f)) return false;
    }
    const mark = out.length;
    const skipped = this.nowSkipped;
    skipped.length = 0;
    for (const f of files) {
      if (f.maxT < start || f.minT > end) continue;
      if (!this.reader.readAtInstantsIfCheap(f, seriesId, start, end, inst, out, this.skipNow)) {
        out.length = mark;
        return false;
      }
    }
    for (const e of skipped) onSkip(e);
    skipped.length = 0;
    return true;
  }

  /**
   * The values an instant selector takes at `inst` for one series (out[k]: the last point at
   * or before instant k within [start, end] and newer than it less `lookbackMs`, NaN if none),
   * at once and with no points in between, when the partition's only file overlapping
   * [start, end] is a cold file on this host whose blocks for the series are checked, steady
   * and read by index (ColdReader.sampleAtInstants): the count of points taken. Otherwise -1
   * with nothing written; the caller reads through readAtInstantsNow / readAtInstants, which
   * merge several files and report damage. The caller merges no hot points into it.
   */
  sampleAtInstantsNow(
    partition: number,
    seriesId: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    lookbackMs: number,
    out: Float64Array,
  ): number {
    let only: CatalogFile | undefined;
    for (const f of this.files(partition)) {
      if (f.maxT < start || f.minT > end) continue;
      if (only !== undefined || f.tier !== 'cold' || !this.tiers!.cache.isReady(f)) return -1;
      only = f;
    }
    if (only === undefined) return -1;
    return this.reader.sampleAtInstants(only, seriesId, start, end, inst, lookbackMs, out);
  }

  private readonly nowSkipped: ZtsdbError[] = [];
  private readonly skipNow = (e: ZtsdbError): void => void this.nowSkipped.push(e);

  /**
   * Whether `f` is on this host, fetching it when not; a file that cannot be
   * fetched (object missing, damaged, store unreachable) is reported and skipped.
   * Checked again after a fetch: another read's fetch may have evicted it meanwhile.
   */
  private async present(f: CatalogFile, onSkip: (e: ZtsdbError) => void): Promise<boolean> {
    const tiers = this.tiers!;
    for (let tries = 0; !tiers.cache.isReady(f); tries++) {
      if (tries === 3) return false;
      try {
        await tiers.ensure(f);
      } catch (e) {
        onSkip(e as ZtsdbError);
        return false;
      }
    }
    return true;
  }

  private cachePath(file: string): string {
    return path.join(this.dataDir, CACHE_DIR, file);
  }

  /** A file path from an error's context, relative to the data dir (or to the cache) as the manifest names it. */
  relative(file: string): string {
    const cache = path.join(this.dataDir, CACHE_DIR);
    const rel = path.relative(cache, file);
    return rel.startsWith('..') ? path.relative(this.dataDir, file) : rel;
  }
}
