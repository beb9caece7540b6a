/**
 * Kahan–Neumaier compensated summation, as Prometheus uses in `sum`, `avg` and the
 * `*_over_time` functions: the running sum and its compensation are kept apart and added at
 * the end, so long sums of floats keep their precision.
 */
export interface KahanState {
  sum: number;
  c: number;
}

export function kahanInc(inc: number, s: KahanState): void {
  const t = s.sum + inc;
  if (!Number.isFinite(t) && !Number.isNaN(t)) s.c = 0;
  else if (Math.abs(s.sum) >= Math.abs(inc)) s.c += s.sum - t + inc;
  else s.c += inc - t + s.sum;
  s.sum = t;
}

/**
 * Sum of values[lo, hi) with compensation: kahanInc's steps on local variables (the
 * `*_over_time` functions call this once per step and series, over every point of the window).
 */
export function kahanSum(values: Float64Array, lo: number, hi: number): number {
  let sum = 0;
  let c = 0;
  for (let i = lo; i < hi; i++) {
    const inc = values[i]!;
    const t = sum + inc;
    if (t === Infinity || t === -Infinity) c = 0;
    else if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
    else c += inc - t + sum;
    sum = t;
  }
  return Number.isFinite(sum) ? sum + c : sum;
}

/**
 * Mean of values[lo, hi) as Prometheus computes avg: a compensated sum divided by the count,
 * switching to an incremental mean if the sum overflows. The same arithmetic as kahanInc, step
 * by step, on local variables: no object per point on this per-step, per-series loop.
 */
export function kahanMean(values: Float64Array, lo: number, hi: number): number {
  if (hi <= lo) return NaN;
  let sum = values[lo]!;
  let c = 0;
  let count = 1;
  let i = lo + 1;
  for (; i < hi; i++) {
    const f = values[i]!;
    const t = sum + f;
    // An overflow to ±Inf (not NaN) switches to the incremental mean, from this point on.
    if (t === Infinity || t === -Infinity) break;
    count++;
    if (Math.abs(sum) >= Math.abs(f)) c += sum - t + f;
    else c += f - t + sum;
    sum = t;
  }
  if (i >= hi) return sum / count + c / count;
  let mean = sum / count;
  c /= count;
  for (; i < hi; i++) {
    const f = values[i]!;
    count++;
    const q = (count - 1) / count;
    const m = q * mean;
    let mc = q * c;
    const inc = f / count;
    const t = m + inc;
    if (t === Infinity || t === -Infinity) mc = 0;
    else if (Math.abs(m) >= Math.abs(inc)) mc += m - t + inc;
    else mc += inc - t + m;
    mean = t;
    c = mc;
  }
  return mean + c;
}
