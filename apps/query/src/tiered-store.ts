import * as path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ZtsdbError } from '@ztsdb/errors';
import { FileCatalog, ManifestFollower, type CatalogFile } from '@ztsdb/manifest';
import { thinUnit, TierReader, type StepInstants, type VersionedPoints } from '@ztsdb/tsdb';
import { clipUnits, DecodedCache } from './decoded-cache';

/** Decoded cache budget when none is given (ZTSDB_QUERY_DECODED_CACHE_BYTES' default). */
export const DEFAULT_DECODED_CACHE_BYTES = 64 * 1024 * 1024;
/** A file whose span is at most this many times the asked range is decoded whole (and cached so). */
const WHOLE_FILE_FACTOR = 4;

/**
 * The query service's view of the warm and cold files: its own catalog,
 * rebuilt by replaying the manifest stream and kept current by following it,
 * and the files it names opened through mmap. Files retired by an event are
 * unmapped at once; reads are synchronous and copy, so no read sees them go.
 */
export class TieredStore {
  readonly catalog: FileCatalog;
  private readonly reader: TierReader;
  private follower: ManifestFollower | undefined;
  private byPartition: Map<number, CatalogFile[]> | undefined;
  readonly cache: DecodedCache;
  ready = false;

  constructor(
    private readonly nc: NatsConnection,
    readonly dataDir: string,
    private readonly warn: (m: string) => void,
    cacheBytes = DEFAULT_DECODED_CACHE_BYTES,
    partitions?: number,
  ) {
    this.catalog = new FileCatalog({ partitions });
    this.reader = new TierReader(dataDir);
    this.cache = new DecodedCache(cacheBytes);
  }

  async start(): Promise<void> {
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
          if (e.kind === 'warm-added' || e.kind === 'cold-added') this.reader.forget(e.file);
          this.cache.dropFile(e.file);
        } catch (err) {
          this.warn(`manifest event for ${e.file} not applied: ${(err as Error).message}`);
        }
      },
      warn: this.warn,
    });
    await this.follower.start();
    this.ready = true;
  }

  async stop(): Promise<void> {
    await this.follower?.stop();
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
   * Appends one series' stored units in [start, end] from the partition's
   * warm and cold files, through the decoded-points cache. A file not much
   * longer than the range is decoded whole, so later ranges hit the cache.
   */
  read(
    partition: number,
    seriesId: bigint,
    start: number,
    end: number,
    out: VersionedPoints[],
    onSkip: (e: ZtsdbError) => void,
  ): void {
    for (const f of this.files(partition)) {
      if (f.maxT < start || f.minT > end) continue;
      this.readFile(f, seriesId, start, end, out, onSkip);
    }
  }

  /** One file's units of a series in [start, end], through the decoded cache when it is on. */
  private readFile(
    f: CatalogFile,
    seriesId: bigint,
    start: number,
    end: number,
    out: VersionedPoints[],
    onSkip: (e: ZtsdbError) => void,
  ): void {
    if (this.cache.maxBytes > 0 && this.cache.read(f.file, seriesId, start, end, out, onSkip))
      return;
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
   * selector): from cached points when a file's are cached, else, for warm files, thinned
   * straight from the chunks as they are decoded, without filling the cache (a step-sampled
   * read keeps a few points per chunk, so decoding everything for the cache would cost far
   * more than the read). Cold files are read (and cached) whole, then thinned.
   */
  readAtInstants(
    partition: number,
    seriesId: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    out: VersionedPoints[],
    onSkip: (e: ZtsdbError) => void,
  ): void {
    const cached: VersionedPoints[] = [];
    for (const f of this.files(partition)) {
      if (f.maxT < start || f.minT > end) continue;
      cached.length = 0;
      // Warm chunks are thinned as they are decoded. A cold column has to be decoded whole
      // (its blocks are not read by index), so it goes through the cache like any read.
      const viaCache =
        this.cache.maxBytes > 0 &&
        (f.tier === 'cold' || this.cache.read(f.file, seriesId, start, end, cached, onSkip));
      if (!viaCache) {
        this.reader.readAtInstants([f], seriesId, start, end, inst, out, onSkip);
        continue;
      }
      if (f.tier === 'cold') this.readFile(f, seriesId, start, end, cached, onSkip);
      for (const u of cached) {
        const thin = thinUnit(u, start, end, inst);
        if (thin) out.push(thin);
      }
    }
  }

  /** A file path from an error's context, relative to the data dir as the manifest names it. */
  relative(file: string): string {
    return path.relative(this.dataDir, file);
  }
}
