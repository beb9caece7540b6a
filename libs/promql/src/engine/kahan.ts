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

/** Sum of values[lo, hi) with compensation. */
export function kahanSum(values: Float64Array, lo: number, hi: number): number {
  const s = { sum: 0, c: 0 };
  for (let i = lo; i < hi; i++) kahanInc(values[i]!, s);
  return Number.isFinite(s.sum) ? s.sum + s.c : s.sum;
}

/**
 * Mean of values[lo, hi) as Prometheus computes avg: a compensated sum divided by the count,
 * switching to an incremental mean if the sum overflows.
 */
export function kahanMean(values: Float64Array, lo: number, hi: number): number {
  const s = { sum: 0, c: 0 };
  let count = 0;
  let incremental = false;
  let mean = 0;
  for (let i = lo; i < hi; i++) {
    const f = values[i]!;
    count++;
    if (count === 1) {
      s.sum = f;
      s.c = 0;
      mean = f;
      continue;
    }
    if (!incremental) {
      const trial = { sum: s.sum, c: s.c };
      kahanInc(f, trial);
      if (Number.isNaN(trial.sum) || Number.isFinite(trial.sum)) {
        s.sum = trial.sum;
        s.c = trial.c;
        continue;
      }
      incremental = true;
      mean = s.sum / (count - 1);
      s.c /= count - 1;
    }
    const q = (count - 1) / count;
    const m = { sum: q * mean, c: q * s.c };
    kahanInc(f / count, m);
    mean = m.sum;
    s.c = m.c;
  }
  if (count === 0) return NaN;
  if (incremental) return mean + s.c;
  return s.sum / count + s.c / count;
}
