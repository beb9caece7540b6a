import { seriesId, seriesKey } from '@ztsdb/model';
import { getLabel, newMatcher } from '@ztsdb/promql';
import { thinUnit, type StepInstants, type VersionedPoints } from '@ztsdb/tsdb';
import type { HotAnswer } from '../hot-client';
import { LabelIndex } from '../label-index';
import { QueryBudget } from '../query-budget';
import { QueryClock } from '../query-clock';
import type { KnownSeries } from '../series-registry';
import type { SeriesSelector } from '../series-selector';
import { TieredQueryable } from './tiered-queryable';

/** The registry's selection: its label index over a fixed set of series. */
class IndexedSeries {
  private readonly index = new LabelIndex();
  private readonly byName = new Map<string, KnownSeries>();
  put(s: KnownSeries): void {
    this.byName.set(s.name, s);
    this.index.add(s.name, s.labels);
  }
  async select(sel: SeriesSelector): Promise<KnownSeries[]> {
    if (sel.kind !== 'matchers') throw new Error('matchers only');
    return (await this.index.select(sel.matchers)).map((n) => this.byName.get(n)!);
  }
}

/** Files hold 100 at 5000 ms and 200 at 5500 ms for every series: the hot value at 5000 (5) must win. */
const fileUnit = (): VersionedPoints => ({
  timestamps: Float64Array.of(5000, 5500),
  values: Float64Array.of(100, 200),
  version: 1,
});
const files = {
  catalog: { lastSeq: 0 },
  async read(
    _p: number,
    _id: bigint,
    start: number,
    end: number,
    out: VersionedPoints[],
  ): Promise<void> {
    const u = thinUnit(fileUnit(), start, end, { first: start, step: 1, count: end - start + 1 });
    if (u) out.push(u);
  },
  async readAtInstants(
    _p: number,
    _id: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    out: VersionedPoints[],
  ): Promise<void> {
    const u = thinUnit(fileUnit(), start, end, inst);
    if (u) out.push(u);
  },
};

/** Hot data of every series: 0..9 at 0, 1000, …, 9000 ms; counts the requests. */
class CountingHot {
  calls: Array<{ ids: number; start: number; end: number; step?: number }> = [];
  fetch(
    byPartition: Map<number, bigint[]>,
    start: number,
    end: number,
    step?: number,
  ): Promise<HotAnswer> {
    const ids = [...byPartition.values()].flat();
    this.calls.push(
      step === undefined ? { ids: ids.length, start, end } : { ids: ids.length, start, end, step },
    );
    const ts = Float64Array.from({ length: 10 }, (_, i) => i * 1000);
    const all = { timestamps: ts, values: ts.map((t) => t / 1000), version: 0 };
    // With a step the owner keeps the last point at or before each start + k·step.
    const inst = step && { first: start, step, count: Math.floor((end - start) / step) + 1 };
    const pts = inst ? thinUnit(all, start, end, inst)! : all;
    return Promise.resolve({
      series: ids.map((id) => ({ id, timestamps: pts.timestamps, values: pts.values })),
      missing: [],
    });
  }
}

describe('TieredQueryable', () => {
  let registry: IndexedSeries;
  beforeEach(() => {
    registry = new IndexedSeries();
    for (const [c, image] of [
      ['aaaaaaaaaaaa', 'nginx'],
      ['bbbbbbbbbbbb', 'redis'],
      ['cccccccccccc', 'redis'],
    ] as const) {
      const name = `container.cpu.usage.${c}`;
      registry.put({
        id: seriesKey(seriesId(name)),
        name,
        seriesId: seriesId(name),
        labels: { __name__: 'container_cpu_usage', container_id: c, image },
        active: true,
        updatedMs: 0,
      });
    }
  });

  const make = (hot: CountingHot, budget = new QueryBudget(1 << 20)): TieredQueryable =>
    new TieredQueryable(registry, files, hot, 4, new QueryClock(10_000), budget, {
      skipped: () => undefined,
      missingPartition: () => undefined,
    });

  it('selects through the label index with every matcher type', async () => {
    const q = make(new CountingHot());
    const images = async (...ms: ReturnType<typeof newMatcher>[]): Promise<string[]> =>
      (await q.select(ms, 0, 9000)).map((s) => getLabel(s.labels, 'container_id')).sort();
    expect(await images(newMatcher('=', 'image', 'redis'))).toEqual([
      'bbbbbbbbbbbb',
      'cccccccccccc',
    ]);
    expect(await images(newMatcher('!~', 'image', 'red.*'))).toEqual(['aaaaaaaaaaaa']);
    expect(
      await images(
        newMatcher('=~', '__name__', 'container_.*'),
        newMatcher('!=', 'container_id', 'cccccccccccc'),
      ),
    ).toEqual(['aaaaaaaaaaaa', 'bbbbbbbbbbbb']);
  });

  it("reads each series' range once per query, and a wider range again", async () => {
    const hot = new CountingHot();
    const q = make(hot);
    const all = [newMatcher('=', '__name__', 'container_cpu_usage')];
    const first = await q.select(all, 2000, 8000);
    expect(first[0]!.timestamps).toEqual(
      Float64Array.from([2000, 3000, 4000, 5000, 5500, 6000, 7000, 8000]),
    );
    // An inner range (a second selector of the same query) is served from what was read.
    const inner = await q.select([newMatcher('=', 'image', 'nginx')], 3000, 4000);
    expect(Array.from(inner[0]!.values)).toEqual([3, 4]);
    expect(Array.from(first[0]!.values)).toEqual([2, 3, 4, 5, 200, 6, 7, 8]);
    expect(hot.calls).toEqual([{ ids: 3, start: 2000, end: 8000 }]);
    // A wider one reads again, the union of both.
    await q.select(all, 0, 9000);
    expect(hot.calls[1]).toEqual({ ids: 3, start: 0, end: 9000 });
  });

  it('reads the files while the hot request is out, and again when the catalog changed meanwhile', async () => {
    // The owner hands 0..9000 ms on to a warm file (version 1, values 10×) and drops them from
    // hot while its answer is on the way: the answer must hold the file's points.
    let moved = false;
    const reads: boolean[] = [];
    // The owner answers once the files were read the first time (a fixed delay raced a loaded
    // machine); if no read comes while the request is out, it answers after a second and the
    // test fails on `reads`.
    let firstReadDone!: () => void;
    const firstRead = new Promise<void>((r) => (firstReadDone = r));
    const store = {
      catalog: { lastSeq: 1 },
      async read(
        _p: number,
        _id: bigint,
        _start: number,
        _end: number,
        out: VersionedPoints[],
      ): Promise<void> {
        reads.push(moved);
        firstReadDone();
        if (!moved) return;
        const ts = Float64Array.from({ length: 10 }, (_, i) => i * 1000);
        out.push({ timestamps: ts, values: ts.map((t) => t / 100), version: 1 });
      },
      async readAtInstants(): Promise<void> {
        throw new Error('not a sampled read');
      },
    };
    const hot = {
      fetch: async (): Promise<HotAnswer> => {
        await Promise.race([firstRead, new Promise((r) => setTimeout(r, 1000))]);
        moved = true;
        store.catalog.lastSeq = 2;
        return { series: [], missing: [] };
      },
    };
    const q = new TieredQueryable(
      registry,
      store,
      hot,
      4,
      new QueryClock(10_000),
      new QueryBudget(1 << 20),
      {
        skipped: () => undefined,
        missingPartition: () => undefined,
      },
    );
    const got = await q.select([newMatcher('=', 'image', 'nginx')], 0, 9000);
    expect(Array.from(got[0]!.values)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    // Read once before the answer came (nothing yet), once after the catalog changed.
    expect(reads).toEqual([false, true]);
  });

  it('reads only the points step sampling needs, and serves only the same sampling from them', async () => {
    const hot = new CountingHot();
    const q = make(hot);
    const all = [newMatcher('=', '__name__', 'container_cpu_usage')];
    // Instants 2500, 5200, 7900 with a 2 s lookback: the range is (500, 7900].
    const sampleTimes = Float64Array.of(2500, 5200, 7900);
    const thin = await q.select(all, 501, 7900, { sampleTimes });
    // Each tier's last point at or before each instant (5000: hot wins); sampling gives
    // 2, 5 and 7 as from every point.
    expect(Array.from(thin[0]!.timestamps)).toEqual([2000, 5000, 5500, 7000]);
    expect(Array.from(thin[0]!.values)).toEqual([2, 5, 200, 7]);
    // Hot asked thinned, its start on the instants' grid at or before the range's start.
    expect(hot.calls).toEqual([{ ids: 3, start: -200, end: 7900, step: 2700 }]);
    // The same sampling again is served from what was read; a whole read reads again.
    await q.select(all, 501, 7900, { sampleTimes });
    expect(hot.calls).toHaveLength(1);
    const whole = await q.select(all, 501, 7900);
    expect(hot.calls).toHaveLength(2);
    expect(Array.from(whole[0]!.timestamps)).toEqual([
      1000, 2000, 3000, 4000, 5000, 5500, 6000, 7000,
    ]);
    // Once read whole, a sampled selector over that range is served from it.
    await q.select(all, 501, 7900, { sampleTimes });
    expect(hot.calls).toHaveLength(2);
  });

  it('counts the points against the query memory budget', async () => {
    const q = make(new CountingHot(), new QueryBudget(16 * 10 * 2));
    await expect(
      q.select([newMatcher('=', '__name__', 'container_cpu_usage')], 0, 9000),
    ).rejects.toThrow(/ZTSDB_QUERY_MAX_BYTES/);
  });
});
