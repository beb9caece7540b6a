import { InvalidInputError } from '@ztsdb/errors';
import type { Labels } from '@ztsdb/model';
import type { Points } from '@ztsdb/tsdb';

export const AGG_FUNCTIONS = ['sum', 'avg', 'min', 'max', 'count'] as const;
export type AggFn = (typeof AGG_FUNCTIONS)[number];

/** Most steps one query may ask for (a guard before any allocation). */
export const MAX_STEPS = 11_000;

/** The step instants start, start+step, … up to end. */
export function stepGrid(start: number, end: number, step: number): Float64Array {
  const n = Math.floor((end - start) / step) + 1;
  if (n > MAX_STEPS) {
    throw new InvalidInputError(
      'ZTSDB_BAD_PARAM',
      `the range holds ${n} steps of ${step} ms, more than ${MAX_STEPS}; use a larger step`,
      { param: 'step' },
    );
  }
  const g = new Float64Array(Math.max(0, n));
  for (let i = 0; i < g.length; i++) g[i] = start + i * step;
  return g;
}

/**
 * For each instant t of the grid, the value of the last point at or before t
 * and newer than t − lookback; NaN where there is none. Writes into `out`.
 */
export function sampleAtSteps(
  p: Points,
  grid: Float64Array,
  lookbackMs: number,
  out: Float64Array,
): void {
  const ts = p.timestamps;
  const vs = p.values;
  const n = ts.length;
  const g = grid.length;
  let j = -1; // index of the last point <= current t
  if (n > 8 * g) {
    // Many points per step: binary search for each instant instead of walking every point.
    for (let k = 0; k < g; k++) {
      const t = grid[k]!;
      let lo = j + 1;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ts[mid]! <= t) lo = mid + 1;
        else hi = mid;
      }
      j = lo - 1;
      out[k] = j >= 0 && ts[j]! > t - lookbackMs ? vs[j]! : NaN;
    }
    return;
  }
  for (let k = 0; k < g; k++) {
    const t = grid[k]!;
    while (j + 1 < n && ts[j + 1]! <= t) j++;
    out[k] = j >= 0 && ts[j]! > t - lookbackMs ? vs[j]! : NaN;
  }
}

/** The group of a series under `by`: the listed labels' values (absent = ""). */
export function groupOf(labels: Labels, by: readonly string[]): { key: string; group: Labels } {
  const group: Labels = {};
  for (const l of by) group[l] = labels[l] ?? '';
  return { key: by.map((l) => group[l]).join('\u0000'), group };
}

/** Combines the step values of the series of one group; a step with no value in any series stays out. */
export class StepAccumulator {
  private readonly acc: Float64Array;
  private readonly count: Uint32Array;

  constructor(
    private readonly fn: AggFn,
    private readonly grid: Float64Array,
  ) {
    this.acc = new Float64Array(grid.length);
    this.count = new Uint32Array(grid.length);
  }

  add(values: Float64Array): void {
    const acc = this.acc;
    const cnt = this.count;
    const fn = this.fn;
    for (let k = 0; k < values.length; k++) {
      const v = values[k]!;
      if (Number.isNaN(v)) continue;
      const c = cnt[k]!;
      if (c === 0) acc[k] = fn === 'count' ? 1 : v;
      else if (fn === 'sum' || fn === 'avg') acc[k] = acc[k]! + v;
      else if (fn === 'min') acc[k] = v < acc[k]! ? v : acc[k]!;
      else if (fn === 'max') acc[k] = v > acc[k]! ? v : acc[k]!;
      else acc[k] = c + 1;
      cnt[k] = c + 1;
    }
  }

  result(): Points {
    let n = 0;
    for (let k = 0; k < this.count.length; k++) if (this.count[k]! > 0) n++;
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    let i = 0;
    for (let k = 0; k < this.count.length; k++) {
      const c = this.count[k]!;
      if (c === 0) continue;
      timestamps[i] = this.grid[k]!;
      values[i++] = this.fn === 'avg' ? this.acc[k]! / c : this.acc[k]!;
    }
    return { timestamps, values };
  }
}

/** A series sampled at the steps, without aggregation: only steps that have a value. */
export function stepSeries(p: Points, grid: Float64Array, lookbackMs: number): Points {
  const tmp = new Float64Array(grid.length);
  sampleAtSteps(p, grid, lookbackMs, tmp);
  const acc = new StepAccumulator('sum', grid);
  acc.add(tmp);
  return acc.result();
}
