import { Logger } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { DEFAULT_RETRY_DEADLINE_MS, withRetry, type RetryPolicy } from '@ztsdb/bus';
import { decodeSeriesEntry, parseSeriesKey, type SeriesEntry } from '@ztsdb/model';
import { compileGlob } from './glob-matcher';
import { LabelIndex } from './label-index';
import type { QueryClock } from './query-clock';
import type { SeriesSelector } from './series-selector';

export interface KnownSeries extends SeriesEntry {
  seriesId: bigint;
}

/**
 * A live copy of KV `ztsdb_series`, kept current by a watch, with its label
 * index. Every `recheckMs` it checks that the watch follows the bucket that
 * exists now: a watch on a deleted bucket does not move to a re-created one by
 * itself, so it is started again there (entries already known are kept).
 */
export class SeriesRegistry {
  private readonly log = new Logger('query');
  private readonly byName = new Map<string, KnownSeries>();
  private readonly index = new LabelIndex();
  private stopWatch: (() => void) | undefined;
  /** Creation time of the bucket's stream the watch follows. */
  private bucket: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  ready = false;

  /** `kv` null: a registry filled by applyEntry alone, never started (the start-up warm-up's). */
  constructor(
    private readonly kv: KV | null,
    private readonly retry: RetryPolicy = { deadlineMs: DEFAULT_RETRY_DEADLINE_MS },
    private readonly recheckMs = 0,
  ) {}

  async start(): Promise<void> {
    if (this.kv === null) throw new Error('a registry without a KV bucket is not started');
    await this.follow();
    this.ready = true;
    if (this.recheckMs > 0) {
      this.timer = setInterval(() => void this.recheck(), this.recheckMs);
      this.timer.unref();
    }
  }

  /** Watches the bucket; resolves once its current entries are applied. */
  private async follow(): Promise<void> {
    const watch = await withRetry('watching KV ztsdb_series', () => this.kv!.watch(), this.retry);
    this.stopWatch = () => watch.stop();
    let resolveReady!: () => void;
    const initial = new Promise<void>((r) => (resolveReady = r));
    void (async () => {
      for await (const e of watch) {
        if (e.operation === 'PUT') this.applyEntry(e.key, e.value);
        if (e.delta === 0) resolveReady();
      }
    })()
      .catch((e: Error) => this.log.warn(`watch of KV ztsdb_series ended: ${e.message}`))
      .finally(resolveReady);
    // An empty bucket sends no entry, so "ready" cannot wait for one.
    const status = await withRetry(
      'status of KV ztsdb_series',
      () => this.kv!.status(),
      this.retry,
    );
    this.bucket = status.streamInfo.created;
    if (status.values === 0) resolveReady();
    await initial;
  }

  private rechecking = false;

  private async recheck(): Promise<void> {
    // A slow follow must not be overtaken by the next tick, which would stop the watch it made.
    if (this.rechecking) return;
    this.rechecking = true;
    try {
      await this.recheckBucket();
    } finally {
      this.rechecking = false;
    }
  }

  private async recheckBucket(): Promise<void> {
    let created: string;
    try {
      created = (await this.kv!.status()).streamInfo.created;
    } catch {
      return; // the bucket is gone for now; it is looked for again next time
    }
    if (created === this.bucket) return;
    this.log.warn('KV ztsdb_series was re-created; following the new bucket');
    this.stopWatch?.();
    await this.follow().catch((e: Error) =>
      this.log.warn(`cannot follow KV ztsdb_series: ${e.message}; will retry`),
    );
  }

  /** Applies one entry of KV `ztsdb_series` (its key and encoded value); a bad one is logged and ignored. */
  applyEntry(key: string, value: Uint8Array): void {
    const id = parseSeriesKey(key);
    if (id === undefined) return;
    let entry: SeriesEntry;
    try {
      entry = decodeSeriesEntry(key, value);
    } catch (e) {
      this.log.warn(`${(e as Error).message}; ignored`);
      return;
    }
    this.put({ ...entry, seriesId: id });
  }

  /** Adds or replaces one series (by name), keeping the label index in step. */
  put(s: KnownSeries): void {
    const old = this.byName.get(s.name);
    if (old) this.index.remove(old.name, old.labels);
    this.byName.set(s.name, s);
    this.index.add(s.name, s.labels);
  }

  get(name: string): KnownSeries | undefined {
    return this.byName.get(name);
  }

  /** Series whose name matches the glob, sorted by name. */
  async match(glob: string, clock?: QueryClock): Promise<KnownSeries[]> {
    return this.select({ kind: 'glob', glob, re: compileGlob(glob) }, clock);
  }

  /**
   * Series a selector means, sorted by name (an exact name that nobody
   * registered gives none). Label matchers go through the label index; a glob
   * is tested on every name, pausing when the clock says so.
   */
  async select(sel: SeriesSelector, clock?: QueryClock): Promise<KnownSeries[]> {
    if (sel.kind === 'name') {
      const s = this.byName.get(sel.name);
      return s ? [s] : [];
    }
    let names: string[];
    if (sel.kind === 'matchers') names = await this.index.select(sel.matchers, clock);
    else {
      names = [];
      for (const s of this.byName.values()) {
        if (sel.re.test(s.name)) names.push(s.name);
        if (clock?.due()) await clock.pause();
      }
    }
    return this.sortedByName(names);
  }

  /**
   * The series of `names` (each known), sorted by name. The names are sorted by the engine's
   * own string order (UTF-16 code units, what `<` compares), with no comparator called per pair.
   */
  sortedByName(names: string[]): KnownSeries[] {
    names.sort();
    const out = new Array<KnownSeries>(names.length);
    for (let i = 0; i < names.length; i++) out[i] = this.byName.get(names[i]!)!;
    return out;
  }

  get size(): number {
    return this.byName.size;
  }

  /** Every known series, in no particular order. */
  all(): IterableIterator<KnownSeries> {
    return this.byName.values();
  }

  stop(): void {
    clearInterval(this.timer);
    this.stopWatch?.();
  }
}
