import { mergeLatestWins } from '@ztsdb/tsdb';
import { thinToSteps } from '../../apps/ingestor/src/hot-step-thin';
import { sampleAtSteps, stepGrid } from '../../apps/query/src/step-aggregate';

/** A deterministic pseudo-random source (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function randomPoints(
  r: () => number,
  start: number,
  end: number,
  n: number,
): { timestamps: Float64Array; values: Float64Array } {
  const set = new Set<number>();
  for (let i = 0; i < n; i++) set.add(start + Math.floor(r() * (end - start + 1)));
  const timestamps = Float64Array.from([...set].sort((a, b) => a - b));
  return { timestamps, values: Float64Array.from(timestamps, () => Math.round(r() * 1000)) };
}

describe('thinToSteps', () => {
  it('keeps, for each instant, the last point at or before it', () => {
    const s = {
      id: 1n,
      timestamps: Float64Array.of(0, 5, 9, 10, 11, 35, 70),
      values: Float64Array.of(1, 2, 3, 4, 5, 6, 7),
    };
    const t = thinToSteps(s, 0, 60, 10);
    // instants 0,10,20,30,40,50,60: last at or before → 0, 10, 11 (20, 30), 35 (40..60); 70 is past the last instant.
    expect([...t.timestamps]).toEqual([0, 10, 11, 35]);
    expect([...t.values]).toEqual([1, 4, 5, 6]);
    expect(thinToSteps(s, 0, 100, 1)).toBe(s);
    const empty = { id: 2n, timestamps: new Float64Array(0), values: new Float64Array(0) };
    expect(thinToSteps(empty, 0, 10, 1)).toBe(empty);
  });

  it('gives the same step samples after a merge with another tier as the full points do', () => {
    const r = rng(42);
    for (let round = 0; round < 300; round++) {
      const start = Math.floor(r() * 1000);
      const end = start + Math.floor(r() * 5000);
      const step = 1 + Math.floor(r() * 400);
      const lookback = 1 + Math.floor(r() * 600);
      const hot = { id: 7n, ...randomPoints(r, start, end, Math.floor(r() * 300)) };
      const warm = randomPoints(r, start, end, Math.floor(r() * 300));
      const grid = stepGrid(start, end, step);
      const want = new Float64Array(grid.length);
      const got = new Float64Array(grid.length);
      const thin = thinToSteps(hot, start, end, step);
      expect(thin.timestamps.length).toBeLessThanOrEqual(
        Math.min(hot.timestamps.length, grid.length),
      );
      sampleAtSteps(
        mergeLatestWins([
          { ...warm, version: 1 },
          { timestamps: hot.timestamps, values: hot.values, version: 2 },
        ]),
        grid,
        lookback,
        want,
      );
      sampleAtSteps(
        mergeLatestWins([
          { ...warm, version: 1 },
          { timestamps: thin.timestamps, values: thin.values, version: 2 },
        ]),
        grid,
        lookback,
        got,
      );
      expect(got).toEqual(want);
    }
  });
});
