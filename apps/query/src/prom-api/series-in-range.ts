import { partitionOf } from '@ztsdb/model';
import type { VersionedPoints } from '@ztsdb/tsdb';
import type { HotClient } from '../hot-client';
import type { QueryClock } from '../query-clock';
import type { KnownSeries } from '../series-registry';
import type { TieredStore } from '../tiered-store';

/** Where `withSamplesIn` looks for samples. */
export interface SampleTiers {
  hot: Pick<HotClient, 'fetch'>;
  store: Pick<TieredStore, 'read'>;
  partitions: number;
}

/** What `withSamplesIn` found and what it could not check. */
export interface InRange {
  series: KnownSeries[];
  /** Partitions whose owner did not answer: their series are kept unchecked. */
  unchecked: number[];
}

/**
 * The series among `found` with at least one sample in [start, end] in any tier, as
 * Prometheus's /api/v1/series, /labels and /label/<name>/values select with `start`/`end`.
 * Hot data is asked for thinned to one step of the whole range (the owner then sends at most
 * the last sample at `start` and the last at or before `end`, enough to know whether there is
 * one); files are read through the decoded cache. A series of a partition whose owner does not
 * answer is kept: it is better listed once too often than missing.
 */
export async function withSamplesIn(
  tiers: SampleTiers,
  found: KnownSeries[],
  start: number,
  end: number,
  clock: QueryClock,
): Promise<InRange> {
  const byPartition = new Map<number, bigint[]>();
  for (const s of found) {
    const part = partitionOf(s.seriesId, tiers.partitions);
    let l = byPartition.get(part);
    if (!l) byPartition.set(part, (l = []));
    l.push(s.seriesId);
  }
  const hot = await tiers.hot.fetch(byPartition, start, end, Math.max(1, end - start));
  const inHot = new Set<bigint>();
  for (const h of hot.series) if (h.timestamps.length > 0) inHot.add(h.id);
  const unchecked = new Set(hot.missing.map((m) => m.partition));
  const units: VersionedPoints[] = [];
  const series: KnownSeries[] = [];
  for (const s of found) {
    if (clock.due()) await clock.pause();
    const part = partitionOf(s.seriesId, tiers.partitions);
    if (inHot.has(s.seriesId) || unchecked.has(part)) {
      series.push(s);
      continue;
    }
    units.length = 0;
    // Files' read errors show in queries; here a file that cannot be read just shows nothing.
    await tiers.store.read(part, s.seriesId, start, end, units, () => undefined);
    if (units.some((u) => u.timestamps.length > 0)) series.push(s);
  }
  return { series, unchecked: [...unchecked].sort((a, b) => a - b) };
}
