import { Logger } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { DEFAULT_RETRY_DEADLINE_MS, withRetry, type RetryPolicy } from '@ztsdb/bus';
import { parseSeriesKey, type SeriesEntry } from '@ztsdb/model';
import { globToRegExp, labelsMatch, type SeriesSelector } from './series-selector';

export { globToRegExp };

export interface KnownSeries extends SeriesEntry {
  seriesId: bigint;
}

/**
 * A live copy of KV `ztsdb_series`, kept current by a watch. Every
 * `recheckMs` it checks that the watch follows the bucket that exists now: a
 * watch on a deleted bucket does not move to a re-created one by itself, so
 * it is started again there (entries already known are kept).
 */
export class SeriesRegistry {
  private readonly log = new Logger('query');
  private readonly byName = new Map<string, KnownSeries>();
  /** Postings of the metric label: `__name__` value → series names. */
  private readonly byMetric = new Map<string, Set<string>>();
  private stopWatch: (() => void) | undefined;
  /** Creation time of the bucket's stream the watch follows. */
  private bucket: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  ready = false;

  constructor(
    private readonly kv: KV,
    private readonly retry: RetryPolicy = { deadlineMs: DEFAULT_RETRY_DEADLINE_MS },
    private readonly recheckMs = 0,
  ) {}

  async start(): Promise<void> {
    await this.follow();
    this.ready = true;
    if (this.recheckMs > 0) {
      this.timer = setInterval(() => void this.recheck(), this.recheckMs);
      this.timer.unref();
    }
  }

  /** Watches the bucket; resolves once its current entries are applied. */
  private async follow(): Promise<void> {
    const watch = await withRetry('watching KV ztsdb_series', () => this.kv.watch(), this.retry);
    this.stopWatch = () => watch.stop();
    let resolveReady!: () => void;
    const initial = new Promise<void>((r) => (resolveReady = r));
    void (async () => {
      for await (const e of watch) {
        if (e.operation === 'PUT') this.apply(e.key, e.string());
        if (e.delta === 0) resolveReady();
      }
    })()
      .catch((e: Error) => this.log.warn(`watch of KV ztsdb_series ended: ${e.message}`))
      .finally(resolveReady);
    // An empty bucket sends no entry, so "ready" cannot wait for one.
    const status = await withRetry('status of KV ztsdb_series', () => this.kv.status(), this.retry);
    this.bucket = status.streamInfo.created;
    if (status.values === 0) resolveReady();
    await initial;
  }

  private async recheck(): Promise<void> {
    let created: string;
    try {
      created = (await this.kv.status()).streamInfo.created;
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

  private apply(key: string, json: string): void {
    const id = parseSeriesKey(key);
    if (id === undefined) return;
    try {
      const entry = JSON.parse(json) as SeriesEntry;
      if (typeof entry.name !== 'string') return;
      const old = this.byName.get(entry.name);
      const oldMetric = old?.labels?.__name__;
      const metric = entry.labels?.__name__;
      if (oldMetric !== undefined && oldMetric !== metric)
        this.byMetric.get(oldMetric)?.delete(entry.name);
      this.byName.set(entry.name, { ...entry, seriesId: id });
      if (metric !== undefined) {
        let set = this.byMetric.get(metric);
        if (!set) this.byMetric.set(metric, (set = new Set()));
        set.add(entry.name);
      }
    } catch {
      this.log.warn(`series registry entry ${key} is not JSON; ignored`);
    }
  }

  get(name: string): KnownSeries | undefined {
    return this.byName.get(name);
  }

  /** Series whose name matches the glob, sorted by name. */
  match(glob: string): KnownSeries[] {
    const re = globToRegExp(glob);
    return [...this.byName.values()]
      .filter((s) => re.test(s.name))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Series a selector means, sorted by name (an exact name that nobody registered gives none). */
  select(sel: SeriesSelector): KnownSeries[] {
    if (sel.kind === 'name') {
      const s = this.byName.get(sel.name);
      return s ? [s] : [];
    }
    const out: KnownSeries[] = [];
    const metric =
      sel.kind === 'matchers'
        ? sel.matchers.find((m) => m.label === '__name__' && m.op === '=' && m.value !== '')
        : undefined;
    if (metric && sel.kind === 'matchers') {
      // Only the series of that metric can match; the matchers still decide.
      for (const name of this.byMetric.get(metric.value) ?? []) {
        const s = this.byName.get(name)!;
        if (labelsMatch(s.labels, sel.matchers)) out.push(s);
      }
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    for (const s of this.byName.values()) {
      if (sel.kind === 'glob' ? sel.re.test(s.name) : labelsMatch(s.labels, sel.matchers))
        out.push(s);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get size(): number {
    return this.byName.size;
  }

  stop(): void {
    clearInterval(this.timer);
    this.stopWatch?.();
  }
}
