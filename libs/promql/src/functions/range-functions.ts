/**
 * Functions over a range vector: each takes the samples of one series in one step's window,
 * values[lo, hi) with their timestamps, and returns a value or undefined (no output).
 */
import { kahanInc, kahanMean, kahanSum } from '../engine/kahan';
import { quantile, quantileOfRange } from '../engine/quantile';

export interface Window {
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  readonly lo: number;
  readonly hi: number;
  /** The window is (end - rangeMs, end]. */
  readonly end: number;
  readonly rangeMs: number;
  /** The step's evaluation time. */
  readonly stepTime: number;
  /** Scalar arguments at this step, in argument order (the range vector left out). */
  readonly params: readonly number[];
}

export type RangeFunction = (w: Window) => number | undefined;

function extrapolatedRate(w: Window, isCounter: boolean, isRate: boolean): number | undefined {
  const { ts, vs, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  const rangeStart = w.end - w.rangeMs;
  const rangeEnd = w.end;
  const firstT = ts[lo]!;
  const lastT = ts[hi - 1]!;
  let result = vs[hi - 1]! - vs[lo]!;
  if (isCounter) {
    for (let i = lo + 1; i < hi; i++) if (vs[i]! < vs[i - 1]!) result += vs[i - 1]!;
  }
  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageBetween = sampledInterval / (hi - lo - 1);
  const threshold = averageBetween * 1.1;
  if (durationToStart >= threshold) durationToStart = averageBetween / 2;
  if (isCounter) {
    let durationToZero = durationToStart;
    if (result > 0 && vs[lo]! >= 0) durationToZero = sampledInterval * (vs[lo]! / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageBetween / 2;
  let factor =
    sampledInterval !== 0
      ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval
      : 1;
  if (isRate) factor /= w.rangeMs / 1000;
  return result * factor;
}

function instantValue(w: Window, isRate: boolean): number | undefined {
  const { ts, vs, hi, lo } = w;
  if (hi - lo < 2) return undefined;
  const last = vs[hi - 1]!;
  const prev = vs[hi - 2]!;
  const result = isRate && last < prev ? last : last - prev;
  const interval = ts[hi - 1]! - ts[hi - 2]!;
  if (interval === 0) return undefined;
  return isRate ? result / (interval / 1000) : result;
}

/** Least-squares slope and intercept of the samples, x in seconds relative to interceptTime. */
export function linearRegression(w: Window, interceptTime: number): [number, number] {
  const { ts, vs, lo, hi } = w;
  const sx = { sum: 0, c: 0 };
  const sy = { sum: 0, c: 0 };
  const sxy = { sum: 0, c: 0 };
  const sx2 = { sum: 0, c: 0 };
  const initY = vs[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = vs[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    const x = (ts[i]! - interceptTime) / 1e3;
    kahanInc(x, sx);
    kahanInc(y, sy);
    kahanInc(x * y, sxy);
    kahanInc(x * x, sx2);
  }
  if (constY) return Number.isFinite(initY) || Number.isNaN(initY) ? [0, initY] : [NaN, NaN];
  const n = hi - lo;
  const sumX = sx.sum + sx.c;
  const sumY = sy.sum + sy.c;
  const sumXY = sxy.sum + sxy.c;
  const sumX2 = sx2.sum + sx2.c;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

function variance(w: Window): number {
  const mean = { sum: 0, c: 0 };
  const aux = { sum: 0, c: 0 };
  let count = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const f = w.vs[i]!;
    count++;
    const delta = f - (mean.sum + mean.c);
    kahanInc(delta / count, mean);
    kahanInc(delta * (f - (mean.sum + mean.c)), aux);
  }
  return (aux.sum + aux.c) / count;
}

function values(w: Window): number[] {
  return Array.from(w.vs.subarray(w.lo, w.hi));
}

function nonEmpty(f: RangeFunction): RangeFunction {
  return (w) => (w.hi > w.lo ? f(w) : undefined);
}

export const RANGE_FUNCTIONS: Record<string, RangeFunction> = {
  rate: (w) => extrapolatedRate(w, true, true),
  increase: (w) => extrapolatedRate(w, true, false),
  delta: (w) => extrapolatedRate(w, false, false),
  irate: (w) => instantValue(w, true),
  idelta: (w) => instantValue(w, false),
  deriv: (w) => (w.hi - w.lo < 2 ? undefined : linearRegression(w, w.ts[w.lo]!)[0]),
  predict_linear: (w) => {
    if (w.hi - w.lo < 2) return undefined;
    const [slope, intercept] = linearRegression(w, w.stepTime);
    return slope * w.params[0]! + intercept;
  },
  avg_over_time: nonEmpty((w) => kahanMean(w.vs, w.lo, w.hi)),
  sum_over_time: nonEmpty((w) => kahanSum(w.vs, w.lo, w.hi)),
  count_over_time: nonEmpty((w) => w.hi - w.lo),
  present_over_time: nonEmpty(() => 1),
  last_over_time: nonEmpty((w) => w.vs[w.hi - 1]!),
  first_over_time: nonEmpty((w) => w.vs[w.lo]!),
  ts_of_last_over_time: nonEmpty((w) => w.ts[w.hi - 1]! / 1000),
  ts_of_first_over_time: nonEmpty((w) => w.ts[w.lo]! / 1000),
  max_over_time: nonEmpty((w) => extreme(w, (cur, best) => cur > best).value),
  min_over_time: nonEmpty((w) => extreme(w, (cur, best) => cur < best).value),
  ts_of_max_over_time: nonEmpty((w) => extreme(w, (cur, best) => cur >= best).ts / 1000),
  ts_of_min_over_time: nonEmpty((w) => extreme(w, (cur, best) => cur <= best).ts / 1000),
  stdvar_over_time: nonEmpty(variance),
  stddev_over_time: nonEmpty((w) => Math.sqrt(variance(w))),
  quantile_over_time: nonEmpty((w) => quantileOfRange(w.params[0]!, w.vs, w.lo, w.hi)),
  mad_over_time: nonEmpty((w) => {
    const v = values(w);
    if (v.some((x) => Number.isNaN(x))) return NaN;
    const median = quantile(0.5, v);
    return quantile(
      0.5,
      v.map((x) => Math.abs(x - median)),
    );
  }),
  changes: nonEmpty((w) => {
    let n = 0;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const cur = w.vs[i]!;
      const prev = w.vs[i - 1]!;
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) n++;
    }
    return n;
  }),
  resets: nonEmpty((w) => {
    let n = 0;
    for (let i = w.lo + 1; i < w.hi; i++) if (w.vs[i]! < w.vs[i - 1]!) n++;
    return n;
  }),
  double_exponential_smoothing: (w) => {
    const sf = w.params[0]!;
    const tf = w.params[1]!;
    if (w.hi - w.lo < 2) return undefined;
    let s1 = w.vs[w.lo]!;
    let b = w.vs[w.lo + 1]! - w.vs[w.lo]!;
    let s0 = s1;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const x = w.vs[i]!;
      if (i > w.lo + 1) b = tf * (s1 - s0) + (1 - tf) * b;
      s0 = s1;
      s1 = sf * x + (1 - sf) * (s0 + b);
    }
    return s1;
  },
};

/** The max or min of a window; NaN loses to any number, as in Prometheus. */
function extreme(
  w: Window,
  better: (cur: number, best: number) => boolean,
): { value: number; ts: number } {
  let best = w.vs[w.lo]!;
  let bestT = w.ts[w.lo]!;
  for (let i = w.lo + 1; i < w.hi; i++) {
    const cur = w.vs[i]!;
    if (better(cur, best) || (Number.isNaN(best) && !Number.isNaN(cur))) {
      best = cur;
      bestT = w.ts[i]!;
    }
  }
  return { value: best, ts: bestT };
}
