import { PromQLExecutionError, PromQLTimeoutError, PromQLTooManySamplesError } from '../errors';
import { labelsFromRecord, type Labels } from '../labels';
import type { LabelMatcher } from '../matchers';
import { MemoryQueryable } from '../memory-queryable';
import { STALE_NAN, type Queryable, type StoredSeries } from '../storage';
import { PromQLEngine, retainQueryObjects, type QueryResult } from './engine';

const L = (rec: Record<string, string>): Labels => labelsFromRecord(rec);

/** A store that counts reads, to prove each selector is read once per query. */
class CountingQueryable implements Queryable {
  selects = 0;
  constructor(private readonly inner: Queryable) {}
  select(m: readonly LabelMatcher[], s: number, e: number): Promise<StoredSeries[]> {
    this.selects++;
    return this.inner.select(m, s, e);
  }
}

function store(): MemoryQueryable {
  const q = new MemoryQueryable();
  // a counter at 0, 10 s, …, 600 s: value = t/10 (1 per 10 s)
  for (let t = 0; t <= 600; t += 10)
    q.add(L({ __name__: 'req_total', job: 'a' }), t * 1000, t / 10);
  for (let t = 0; t <= 600; t += 10) q.add(L({ __name__: 'req_total', job: 'b' }), t * 1000, t / 5);
  return q;
}

function vector(r: QueryResult): Record<string, number> {
  if (r.value.type !== 'vector') throw new Error(`not a vector: ${r.value.type}`);
  const out: Record<string, number> = {};
  for (const s of r.value.samples) out[s.labels.map(([n, v]) => `${n}=${v}`).join(',')] = s.value;
  return out;
}

const engine = new PromQLEngine();

describe('PromQLEngine', () => {
  it('answers an instant selector with the last sample inside the lookback window', async () => {
    const q = new MemoryQueryable();
    q.add(L({ __name__: 'g' }), 0, 1);
    expect(vector(await engine.instantQuery(q, 'g', 300_000 - 1))).toEqual({ '__name__=g': 1 });
    // The lookback window is left-open: a sample exactly 5 minutes old is out.
    expect(vector(await engine.instantQuery(q, 'g', 300_000))).toEqual({});
    const short = new PromQLEngine({ lookbackDeltaMs: 60_000 });
    expect(vector(await short.instantQuery(q, 'g', 61_000))).toEqual({});
  });

  it('hides a series at once after its staleness marker', async () => {
    const q = new MemoryQueryable();
    q.add(L({ __name__: 'g' }), 0, 1);
    q.add(L({ __name__: 'g' }), 10_000, STALE_NAN);
    expect(vector(await engine.instantQuery(q, 'g', 5_000))).toEqual({ '__name__=g': 1 });
    expect(vector(await engine.instantQuery(q, 'g', 20_000))).toEqual({});
    // A plain NaN is a value, not a marker.
    q.add(L({ __name__: 'h' }), 0, NaN);
    expect(Number.isNaN(vector(await engine.instantQuery(q, 'h', 5_000))['__name__=h'])).toBe(true);
  });

  it('computes rate over a left-open window and reads each selector once for all steps', async () => {
    const q = new CountingQueryable(store());
    const r = await engine.rangeQuery(
      q,
      'sum(rate(req_total[1m])) + sum(rate(req_total[1m]))',
      60_000,
      600_000,
      15_000,
    );
    expect(q.selects).toBe(2);
    if (r.value.type !== 'matrix') throw new Error('matrix expected');
    const s = r.value.series[0]!;
    expect(s.timestamps).toHaveLength(37);
    for (const v of s.values) expect(v).toBeCloseTo(2 * (0.1 + 0.2), 10);
  });

  it('applies offset and @ with start() and end()', async () => {
    const q = store();
    expect(vector(await engine.instantQuery(q, 'req_total{job="a"} offset 100s', 300_000))).toEqual(
      {
        '__name__=req_total,job=a': 20,
      },
    );
    const r = await engine.rangeQuery(q, 'req_total{job="a"} @ end()', 100_000, 200_000, 50_000);
    if (r.value.type !== 'matrix') throw new Error('matrix expected');
    expect(r.value.series[0]!.values).toEqual([20, 20, 20]);
    const s = await engine.rangeQuery(q, 'req_total{job="a"} @ start()', 100_000, 200_000, 50_000);
    if (s.value.type !== 'matrix') throw new Error('matrix expected');
    expect(s.value.series[0]!.values).toEqual([10, 10, 10]);
  });

  it('aligns subquery steps to multiples of the step, after the open window start', async () => {
    const q = store();
    // Inner steps at 560, 580, 600 s (540 is excluded: the window (540, 600] is left-open).
    const r = await engine.instantQuery(q, 'count_over_time(req_total{job="a"}[60s:20s])', 600_000);
    expect(vector(r)).toEqual({ 'job=a': 3 });
  });

  it('sums with Kahan compensation, as Prometheus 3 does', async () => {
    const q = new MemoryQueryable();
    for (const [i, v] of [1e100, 1, -1e100].entries())
      q.add(L({ __name__: 'x', i: String(i) }), 0, v);
    expect(vector(await engine.instantQuery(q, 'sum(x)', 0))).toEqual({ '': 1 });
    expect(vector(await engine.instantQuery(q, 'avg(x)', 0))['']).toBeCloseTo(1 / 3, 12);
  });

  it('matches vectors one-to-one and names the duplicate series of an ambiguous match', async () => {
    const q = new MemoryQueryable();
    q.add(L({ __name__: 'l', k: '1' }), 0, 10);
    q.add(L({ __name__: 'r', k: '1', x: 'a' }), 0, 1);
    q.add(L({ __name__: 'r', k: '1', x: 'b' }), 0, 2);
    await expect(engine.instantQuery(q, 'l + on(k) r', 0)).rejects.toThrow(
      'found duplicate series for the match group {k="1"} on the right hand-side of the operation: ' +
        '[{__name__="r", k="1", x="a"}, {__name__="r", k="1", x="b"}];many-to-many matching not allowed: matching labels must be unique on one side',
    );
    expect(vector(await engine.instantQuery(q, 'r + on(k) group_left l', 0))).toEqual({
      'k=1,x=a': 11,
      'k=1,x=b': 12,
    });
    await expect(engine.instantQuery(q, 'r + on(k) l', 0)).rejects.toThrow(
      'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
    );
  });

  it('keeps comparison results filtered or as 0/1 with bool, and applies set operators', async () => {
    const q = store();
    expect(vector(await engine.instantQuery(q, 'req_total > 100', 600_000))).toEqual({
      '__name__=req_total,job=b': 120,
    });
    expect(vector(await engine.instantQuery(q, 'req_total > bool 100', 600_000))).toEqual({
      'job=a': 0,
      'job=b': 1,
    });
    expect(
      vector(await engine.instantQuery(q, 'req_total unless on(job) req_total{job="a"}', 600_000)),
    ).toEqual({
      '__name__=req_total,job=b': 120,
    });
  });

  it('picks topk per group and computes quantiles and histogram_quantile', async () => {
    const q = new MemoryQueryable();
    for (const [i, v] of [1, 2, 3, 4].entries()) q.add(L({ __name__: 'v', i: String(i) }), 0, v);
    expect(vector(await engine.instantQuery(q, 'topk(2, v)', 0))).toEqual({
      '__name__=v,i=3': 4,
      '__name__=v,i=2': 3,
    });
    expect(vector(await engine.instantQuery(q, 'quantile(0.5, v)', 0))).toEqual({ '': 2.5 });
    for (const [le, c] of [
      ['0.1', 10],
      ['0.5', 20],
      ['+Inf', 40],
    ] as const)
      q.add(L({ __name__: 'h_bucket', le }), 0, c);
    expect(vector(await engine.instantQuery(q, 'histogram_quantile(0.25, h_bucket)', 0))).toEqual({
      '': 0.1,
    });
    expect(
      vector(await engine.instantQuery(q, 'histogram_quantile(0.375, h_bucket)', 0))[''],
    ).toBeCloseTo(0.3, 12);
  });

  it('rewrites labels with label_replace through RE2 and refuses a bad regex', async () => {
    const q = new MemoryQueryable();
    q.add(L({ __name__: 'm', src: 'a-b' }), 0, 1);
    expect(
      vector(
        await engine.instantQuery(q, 'label_replace(m, "dst", "$2${1}", "src", "(.*)-(.*)")', 0),
      ),
    ).toEqual({
      '__name__=m,dst=ba,src=a-b': 1,
    });
    await expect(
      engine.instantQuery(q, 'label_replace(m, "dst", "", "src", "(.*")', 0),
    ).rejects.toThrow(/invalid regular expression/);
  });

  it("stops with Prometheus's error when a query would hold too many samples", async () => {
    const small = new PromQLEngine({ maxSamples: 50 });
    await expect(small.instantQuery(store(), 'req_total[10m]', 600_000)).rejects.toThrow(
      PromQLTooManySamplesError,
    );
    await expect(small.instantQuery(store(), 'req_total[10m]', 600_000)).rejects.toThrow(
      'query processing would load too many samples into memory in query execution',
    );
  });

  it('drops the metric name at once by default and rejects the collisions that makes', async () => {
    const q = new MemoryQueryable();
    for (const name of ['a_total', 'b_total']) {
      for (let t = 0; t <= 60; t += 10) q.add(L({ __name__: name, job: 'x' }), t * 1000, t);
    }
    const rate = 'sum(rate({__name__=~"a_total|b_total"}[1m]))';
    await expect(engine.instantQuery(q, rate, 60_000)).rejects.toThrow(
      'vector cannot contain metrics with the same labelset',
    );
    // With delayed name removal the names keep the series apart until the end.
    const delayed = new PromQLEngine({ delayedNameRemoval: true });
    expect(vector(await delayed.instantQuery(q, rate, 60_000))['']).toBeCloseTo(2, 10);
  });

  it('answers a range query with each series at its present steps, one label set merged', async () => {
    const delayed = new PromQLEngine({ delayedNameRemoval: true, lookbackDeltaMs: 15_000 });
    const q = new MemoryQueryable();
    // One series with a gap: present at 0, 10, 20 and 60 s (lookback 15 s), not at 30–50.
    for (const t of [0, 10, 60]) q.add(L({ __name__: 'gap', job: 'x' }), t * 1000, t);
    const one = await delayed.rangeQuery(q, 'gap', 0, 60_000, 10_000);
    if (one.value.type !== 'matrix') throw new Error('matrix expected');
    expect(one.value.series[0]!.timestamps).toEqual([0, 10_000, 20_000, 60_000]);
    expect(one.value.series[0]!.values).toEqual([0, 10, 10, 60]);
    // `-` drops the name at the end: a_total and b_total then share one label set, merged
    // step by step where they do not overlap.
    for (const t of [0, 10]) q.add(L({ __name__: 'a_total', job: 'x' }), t * 1000, t);
    for (const t of [40, 50]) q.add(L({ __name__: 'b_total', job: 'x' }), t * 1000, t);
    const merged = await delayed.rangeQuery(q, '-{__name__=~"a_total|b_total"}', 0, 60_000, 10_000);
    if (merged.value.type !== 'matrix') throw new Error('matrix expected');
    expect(merged.value.series).toHaveLength(1);
    expect(merged.value.series[0]!.timestamps).toEqual([0, 10_000, 20_000, 40_000, 50_000, 60_000]);
    expect(merged.value.series[0]!.values).toEqual([-0, -10, -10, -40, -50, -50]);
    q.add(L({ __name__: 'b_total', job: 'x' }), 20_000, 20);
    await expect(
      delayed.rangeQuery(q, '-{__name__=~"a_total|b_total"}', 0, 60_000, 10_000),
    ).rejects.toThrow('vector cannot contain metrics with the same labelset');
  });

  it('stops a query that runs past its time limit with a timeout error', async () => {
    const late = new PromQLEngine({ timeoutMs: -1 });
    const err = await late.instantQuery(store(), 'req_total', 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromQLTimeoutError);
    expect((err as PromQLTimeoutError).errorType).toBe('timeout');
    expect((err as Error).message).toBe('query timed out in expression evaluation');
  });

  it('refuses native-histogram functions clearly and range vectors in range queries', async () => {
    await expect(engine.instantQuery(store(), 'histogram_count(req_total)', 0)).rejects.toThrow(
      PromQLExecutionError,
    );
    await expect(engine.instantQuery(store(), 'histogram_count(req_total)', 0)).rejects.toThrow(
      /native histograms/,
    );
    await expect(engine.rangeQuery(store(), 'req_total[1m]', 0, 60_000, 10_000)).rejects.toThrow(
      'invalid expression type "range vector" for range query, must be Scalar or instant Vector',
    );
  });

  it('returns scalars, strings and range vectors from instant queries', async () => {
    expect((await engine.instantQuery(store(), 'time()', 5_000)).value).toEqual({
      type: 'scalar',
      timestampMs: 5_000,
      value: 5,
    });
    expect((await engine.instantQuery(store(), '"hi"', 0)).value).toEqual({
      type: 'string',
      timestampMs: 0,
      value: 'hi',
    });
    const m = await engine.instantQuery(store(), 'req_total{job="a"}[30s]', 600_000);
    expect(m.value).toEqual({
      type: 'matrix',
      series: [
        {
          labels: L({ __name__: 'req_total', job: 'a' }),
          timestamps: [580_000, 590_000, 600_000],
          values: [58, 59, 60],
        },
      ],
    });
  });

  it('annotates rate over a metric whose name does not say counter, with the position', async () => {
    const q = new MemoryQueryable();
    for (let t = 0; t <= 60; t += 10) q.add(L({ __name__: 'temp' }), t * 1000, t);
    const r = await engine.instantQuery(q, 'sum(rate(temp[1m]))', 60_000);
    expect(r.infos).toEqual([
      'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "temp" (1:10)',
    ]);
  });
});

describe('retainQueryObjects', () => {
  afterEach(() => retainQueryObjects(undefined));

  it('keeps each query’s evaluator and value while set, and nothing once unset', async () => {
    const kept: unknown[] = [];
    retainQueryObjects(kept);
    await engine.instantQuery(store(), 'sum(req_total)', 600_000);
    await engine.rangeQuery(store(), 'rate(req_total[1m])', 60_000, 600_000, 60_000);
    expect(kept).toHaveLength(4);
    expect(kept[0]).toHaveProperty('queryable');
    expect(kept[1]).toHaveProperty('kind', 'vector');
    retainQueryObjects(undefined);
    await engine.instantQuery(store(), 'sum(req_total)', 600_000);
    expect(kept).toHaveLength(4);
  });
});
