import type { VersionedPoints } from '@ztsdb/tsdb';
import { QueryClock } from '../query-clock';
import type { KnownSeries } from '../series-registry';
import { withSamplesIn, type SampleTiers } from './series-in-range';

const known = (n: number): KnownSeries =>
  ({ name: `s${n}`, seriesId: BigInt(n), labels: {}, active: true }) as unknown as KnownSeries;

/** Small fakes of the two tiers: series 1 is hot at t=100, series 2 in a file at t=50. */
function tiers(missing: number[] = []): SampleTiers & { steps: Array<number | undefined> } {
  const steps: Array<number | undefined> = [];
  return {
    partitions: 2,
    steps,
    hot: {
      fetch: async (byPartition, start, end, step) => {
        steps.push(step);
        const series = [];
        for (const [part, ids] of byPartition) {
          if (missing.includes(part)) continue;
          for (const id of ids)
            if (id === 1n && start <= 100 && 100 <= end)
              series.push({
                id,
                timestamps: new Float64Array([100]),
                values: new Float64Array([1]),
              });
        }
        return { series, missing: missing.map((partition) => ({ partition, reason: 'down' })) };
      },
    },
    store: {
      read: async (
        _part: number,
        id: bigint,
        start: number,
        end: number,
        out: VersionedPoints[],
      ) => {
        if (id === 2n && start <= 50 && 50 <= end)
          out.push({
            timestamps: new Float64Array([50]),
            values: new Float64Array([2]),
            version: 1,
          });
      },
    },
  };
}

const ids = (r: { series: KnownSeries[] }): bigint[] => r.series.map((s) => s.seriesId);

describe('withSamplesIn', () => {
  const all = [known(1), known(2), known(3)];
  const clock = new QueryClock(10_000);

  it('keeps series with a sample in the range in any tier, both ends included', async () => {
    expect(ids(await withSamplesIn(tiers(), all, 0, 200, clock))).toEqual([1n, 2n]);
    expect(ids(await withSamplesIn(tiers(), all, 50, 99, clock))).toEqual([2n]);
    expect(ids(await withSamplesIn(tiers(), all, 51, 100, clock))).toEqual([1n]);
    expect(ids(await withSamplesIn(tiers(), all, 101, 200, clock))).toEqual([]);
  });

  it('asks the hot tier for one step over the whole range', async () => {
    const t = tiers();
    await withSamplesIn(t, all, 10, 20, clock);
    expect(t.steps).toEqual([10]);
  });

  it('keeps, unchecked, the series of a partition whose owner does not answer', async () => {
    // Partition of id n with 2 partitions: n % 2; series 3 is in partition 1.
    const r = await withSamplesIn(tiers([1]), all, 101, 200, clock);
    expect(ids(r)).toEqual([1n, 3n]);
    expect(r.unchecked).toEqual([1]);
  });
});
