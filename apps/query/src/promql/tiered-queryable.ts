import type { ZtsdbError } from '@ztsdb/errors';
import { partitionOf } from '@ztsdb/model';
import {
  type LabelMatcher as PromMatcher,
  type Queryable,
  type SelectHints,
  type StoredSeries,
} from '@ztsdb/promql';
import {
  instantsKey,
  instantsOf,
  mergeLatestWins,
  type StepInstants,
  type VersionedPoints,
} from '@ztsdb/tsdb';
import type { HotClient } from '../hot-client';
import { POINT_BYTES, type QueryBudget } from '../query-budget';
import type { QueryClock } from '../query-clock';
import type { KnownSeries, SeriesRegistry } from '../series-registry';
import type { LabelMatcher } from '../series-selector';
import type { TieredStore } from '../tiered-store';
import { promLabelsOf } from './series-labels';

/** Hot points win over any file: they are the latest writes. */
const HOT_VERSION = Number.MAX_SAFE_INTEGER;
/** Series read between two looks at the query clock, less one (a mask). */
const CLOCK_EVERY = 7;

/** What one query found wrong on the way (skipped files, partitions without hot data). */
export interface QueryableNotes {
  skipped(e: ZtsdbError): void;
  missingPartition(partition: number, reason: string): void;
}

/** One series' merged points over a range already read in this query. */
interface ReadRange {
  start: number;
  end: number;
  /** Set when only the points sampling at these instants needs were read (instantsKey). */
  thin: string | undefined;
  timestamps: Float64Array;
  values: Float64Array;
}

/** A PromQL matcher as the label index takes it (`re` is the positive test, also for `!~`). */
export function toIndexMatcher(m: PromMatcher): LabelMatcher {
  const base = { label: m.name, op: m.type, value: m.value };
  if (m.type === '=~') return { ...base, re: { test: (v) => m.matches(v) } };
  if (m.type === '!~') return { ...base, re: { test: (v) => !m.matches(v) } };
  return base;
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The points of `u` at or after `start` (a view). */
function clipFrom(u: VersionedPoints, start: number): VersionedPoints {
  const a = lowerBound(u.timestamps, start);
  if (a === 0) return u;
  return { timestamps: u.timestamps.subarray(a), values: u.values.subarray(a), version: u.version };
}

/**
 * The query service's storage as the PromQL engine sees it, for one query: series found
 * through the registry's label index (a selector never scans every series), their points from
 * the partition owners' hot data and the warm and cold files, merged latest-write-wins. Each
 * series' range is read once per query: a later selector over a range already read is served
 * from it. A selector the engine only samples at its steps (SelectHints.sampleTimes) reads
 * just the points those samples need, from every tier (thinned in the owner for hot points,
 * as the chunks are decoded for files); such a read serves only selectors sampled alike. Points are counted against the query's memory budget (ZTSDB_QUERY_MAX_BYTES); the
 * clock lets the event loop run between series and stops the work at the deadline.
 */
export class TieredQueryable implements Queryable {
  private readonly read = new Map<bigint, ReadRange>();

  constructor(
    private readonly registry: Pick<SeriesRegistry, 'select'>,
    /** `catalog.lastSeq` changes with every manifest event the catalog applied. */
    private readonly store: Pick<TieredStore, 'read' | 'readAtInstants'> & {
      readonly catalog: { readonly lastSeq: number };
    },
    private readonly hot: Pick<HotClient, 'fetch'>,
    private readonly partitions: number,
    private readonly clock: QueryClock,
    private readonly budget: QueryBudget,
    private readonly notes: QueryableNotes,
  ) {}

  async select(
    matchers: readonly PromMatcher[],
    startMs: number,
    endMs: number,
    hints?: SelectHints,
  ): Promise<StoredSeries[]> {
    const found = await this.registry.select(
      { kind: 'matchers', matchers: matchers.map(toIndexMatcher) },
      this.clock,
    );
    const inst = hints?.sampleTimes ? instantsOf(hints.sampleTimes) : undefined;
    const thin = inst ? instantsKey(inst) : undefined;
    const toRead = found.filter((s) => {
      const r = this.read.get(s.seriesId);
      return !r || r.start > startMs || r.end < endMs || (r.thin !== undefined && r.thin !== thin);
    });
    if (toRead.length > 0) await this.load(toRead, startMs, endMs, inst);
    const out: StoredSeries[] = [];
    for (const s of found) {
      const r = this.read.get(s.seriesId)!;
      const lo = lowerBound(r.timestamps, startMs);
      const hi = lowerBound(r.timestamps, endMs + 1);
      if (hi === lo) continue;
      out.push({
        labels: promLabelsOf(s),
        timestamps: r.timestamps.subarray(lo, hi),
        values: r.values.subarray(lo, hi),
      });
    }
    return out;
  }

  /**
   * Reads the series over [start, end] from every tier: whole (widened to what was read whole
   * before), or with `inst` only the points sampling at those instants needs.
   */
  private async load(
    series: KnownSeries[],
    start: number,
    end: number,
    inst?: StepInstants,
  ): Promise<void> {
    if (!inst) {
      for (const s of series) {
        const r = this.read.get(s.seriesId);
        if (r && r.thin === undefined) {
          start = Math.min(start, r.start);
          end = Math.max(end, r.end);
        }
      }
    }
    const byPartition = new Map<number, bigint[]>();
    for (const s of series) {
      const part = partitionOf(s.seriesId, this.partitions);
      let l = byPartition.get(part);
      if (!l) byPartition.set(part, (l = []));
      l.push(s.seriesId);
    }
    // Thinned hot points: the owner's instants are hotStart + k·step, so hotStart sits on the
    // instants' grid at or before `start` (extra instants only keep extra points).
    const hotStart =
      inst && inst.step > 0
        ? inst.first - Math.max(0, Math.ceil((inst.first - start) / inst.step)) * inst.step
        : start;
    // The hot request goes out first and the files are read while it is on its way. The
    // answer stays as exact as reading the files after the owner answered (whatever the owner
    // has dropped by then, the catalog shows in warm): if the catalog changed in between, the
    // files are read again.
    const hotAnswer = this.hot.fetch(
      byPartition,
      hotStart,
      end,
      inst && inst.step > 0 ? inst.step : undefined,
    );
    hotAnswer.catch(() => undefined); // awaited below; a rejection meanwhile is not unhandled
    await Promise.resolve(); // lets the client flush the request before the reads
    const catalogSeq = this.store.catalog.lastSeq;
    let fromFiles = await this.readFiles(series, start, end, inst);
    const hot = await hotAnswer;
    if (this.store.catalog.lastSeq !== catalogSeq)
      fromFiles = await this.readFiles(series, start, end, inst);
    for (const m of hot.missing) this.notes.missingPartition(m.partition, m.reason);
    const hotById = new Map<bigint, VersionedPoints>();
    for (const h of hot.series) {
      const u = { timestamps: h.timestamps, values: h.values, version: HOT_VERSION };
      hotById.set(h.id, hotStart < start ? clipFrom(u, start) : u);
    }
    const thin = inst ? instantsKey(inst) : undefined;
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      if ((i & CLOCK_EVERY) === 0 && this.clock.due()) await this.clock.pause();
      const units = fromFiles[i]!;
      const h = hotById.get(s.seriesId);
      if (h) units.push(h);
      const merged = mergeLatestWins(units);
      const old = this.read.get(s.seriesId);
      if (old) this.budget.hold(-old.timestamps.length * POINT_BYTES, 'reread');
      this.budget.hold(merged.timestamps.length * POINT_BYTES, `points of ${s.name}`);
      this.read.set(s.seriesId, {
        start,
        end,
        thin,
        timestamps: merged.timestamps,
        values: merged.values,
      });
    }
  }

  /**
   * Each series' units in [start, end] from the warm and cold files (views, not copies); with
   * `inst` only the points sampling at those instants needs.
   */
  private async readFiles(
    series: KnownSeries[],
    start: number,
    end: number,
    inst?: StepInstants,
  ): Promise<VersionedPoints[][]> {
    const out: VersionedPoints[][] = [];
    const onSkip = (e: ZtsdbError): void => this.notes.skipped(e);
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      // The clock reads the time (a system call here): every few series is often enough.
      if ((i & CLOCK_EVERY) === 0 && this.clock.due()) await this.clock.pause();
      const units: VersionedPoints[] = [];
      const part = partitionOf(s.seriesId, this.partitions);
      if (inst) await this.store.readAtInstants(part, s.seriesId, start, end, inst, units, onSkip);
      else await this.store.read(part, s.seriesId, start, end, units, onSkip);
      out.push(units);
    }
    return out;
  }
}
