import { ZtsdbError } from '@ztsdb/errors';
import { partitionOf } from '@ztsdb/model';
import { parsePromQL } from '@ztsdb/promql';
import { mergeLatestWins, type Points, type VersionedPoints } from '@ztsdb/tsdb';
import type { SeriesPoints } from '@ztsdb/wire';
import { toIndexMatcher } from '../promql/tiered-queryable';
import type { QueryService } from '../query.service';
import type { KnownSeries } from '../series-registry';
import { ReceiverError } from './http-body';

/** Series read together: one hot request per partition for all of them. */
export const EXPORT_SERIES_PER_STEP = 500;
/** Time read at once per series, so a long range never holds more than this in memory. */
export const EXPORT_WINDOW_MS = 6 * 3_600_000;
/** Hot points win over any file: they are the latest writes (as in query.service.ts). */
const HOT_VERSION = Number.MAX_SAFE_INTEGER;

/** The series `match[]` selectors name (each a PromQL series selector), sorted by name. */
export async function exportSeries(
  queries: QueryService,
  selectors: string[],
): Promise<KnownSeries[]> {
  if (selectors.length === 0) throw new ReceiverError(400, 'missing match[] parameter');
  const seen = new Map<bigint, KnownSeries>();
  for (const text of selectors) {
    let e;
    try {
      e = parsePromQL(text);
    } catch (err) {
      throw new ReceiverError(
        400,
        `invalid match[] ${JSON.stringify(text)}: ${(err as Error).message}`,
      );
    }
    if (e.type !== 'vectorSelector')
      throw new ReceiverError(400, `match[] ${JSON.stringify(text)} is not a series selector`);
    const found = await queries.registry.select({
      kind: 'matchers',
      matchers: e.matchers.map(toIndexMatcher),
    });
    for (const s of found) seen.set(s.seriesId, s);
  }
  return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Every point of `series` in [start, end], merged from hot, warm and cold like a query,
 * handed to `emit` one series and window at a time (windows in time order, series in the
 * given order within a window). `emit` may wait (the HTTP answer's backpressure).
 */
export async function readForExport(
  queries: QueryService,
  series: KnownSeries[],
  start: number,
  end: number,
  emit: (s: KnownSeries, points: Points) => Promise<void> | void,
  warn: (e: ZtsdbError) => void,
): Promise<void> {
  const partitions = queries.partitions;
  for (let w = start; w <= end; w += EXPORT_WINDOW_MS) {
    const wEnd = Math.min(end, w + EXPORT_WINDOW_MS - 1);
    for (let i = 0; i < series.length; i += EXPORT_SERIES_PER_STEP) {
      const step = series.slice(i, i + EXPORT_SERIES_PER_STEP);
      const byPartition = new Map<number, bigint[]>();
      for (const s of step) {
        const p = partitionOf(s.seriesId, partitions);
        let l = byPartition.get(p);
        if (!l) byPartition.set(p, (l = []));
        l.push(s.seriesId);
      }
      const hot = await queries.hot.fetch(byPartition, w, wEnd);
      if (hot.missing.length > 0)
        throw new ReceiverError(
          503,
          `no answer for the hot data of partition ${hot.missing[0]!.partition}: ${hot.missing[0]!.reason}`,
          5,
        );
      const hotById = new Map<bigint, SeriesPoints>();
      for (const h of hot.series) hotById.set(h.id, h);
      const units: VersionedPoints[] = [];
      for (const s of step) {
        units.length = 0;
        await queries.store.read(
          partitionOf(s.seriesId, partitions),
          s.seriesId,
          w,
          wEnd,
          units,
          warn,
        );
        const h = hotById.get(s.seriesId);
        if (h) units.push({ timestamps: h.timestamps, values: h.values, version: HOT_VERSION });
        const pts = mergeLatestWins(units);
        if (pts.timestamps.length > 0) await emit(s, pts);
      }
    }
  }
}
