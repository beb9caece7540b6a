import { groupOf, sampleAtSteps, StepAccumulator, stepGrid, stepSeries } from './step-aggregate';

const pts = (pairs: Array<[number, number]>) => ({
  timestamps: Float64Array.from(pairs, (p) => p[0]),
  values: Float64Array.from(pairs, (p) => p[1]),
});

describe('step sampling and aggregation', () => {
  it('takes the last point at or before each step within the lookback', () => {
    const grid = stepGrid(0, 100, 25);
    expect(Array.from(grid)).toEqual([0, 25, 50, 75, 100]);
    const out = new Float64Array(grid.length);
    sampleAtSteps(
      pts([
        [0, 1],
        [10, 2],
        [25, 3],
        [60, 4],
      ]),
      grid,
      30,
      out,
    );
    expect(Array.from(out)).toEqual([1, 3, 3, 4, NaN]); // 100: last point 60 is 40 back, beyond the 30 lookback
    const s = stepSeries(pts([[5, 1]]), grid, 1000);
    expect(Array.from(s.timestamps)).toEqual([25, 50, 75, 100]);
  });

  it.each([
    ['sum', [11, 22, 3]],
    ['avg', [5.5, 11, 3]],
    ['min', [1, 2, 3]],
    ['max', [10, 20, 3]],
    ['count', [2, 2, 1]],
  ] as const)('%s over series, leaving steps without values out', (fn, want) => {
    const grid = stepGrid(0, 30, 10);
    const acc = new StepAccumulator(fn, grid);
    acc.add(Float64Array.from([1, 2, 3, NaN]));
    acc.add(Float64Array.from([10, 20, NaN, NaN]));
    const r = acc.result();
    expect(Array.from(r.timestamps)).toEqual([0, 10, 20]);
    expect(Array.from(r.values)).toEqual(want);
  });

  it('groups by labels and guards the number of steps', () => {
    expect(groupOf({ a: '1', b: '2' }, ['b', 'c'])).toEqual({
      key: '2\u0000',
      group: { b: '2', c: '' },
    });
    expect(groupOf({ a: '1' }, []).key).toBe('');
    expect(() => stepGrid(0, 1e9, 1)).toThrow(/use a larger step/);
  });

  it('samples the same whether it walks the points or searches for each step', () => {
    // 2,000 points with gaps, sampled on a coarse grid (search) and a fine one (walk): compare with a plain scan.
    const ts: number[] = [];
    for (let t = 0; ts.length < 2000; t += 1 + ((t * 7919) % 13 === 0 ? 400 : t % 3)) ts.push(t);
    const p = pts(ts.map((t, i) => [t, i]));
    const span = ts[ts.length - 1]! + 15;
    for (const step of [Math.ceil(span / 10_000), 50, 333, 1000, 5000]) {
      const grid = stepGrid(-5, ts[ts.length - 1]! + 10, step);
      const out = new Float64Array(grid.length);
      sampleAtSteps(p, grid, 120, out);
      const want = Array.from(grid, (t) => {
        let j = -1;
        for (let i = 0; i < ts.length && ts[i]! <= t; i++) j = i;
        return j >= 0 && ts[j]! > t - 120 ? j : NaN;
      });
      expect(Array.from(out)).toEqual(want);
    }
  });
});
