/**
 * The φ-quantile of a set of values as Prometheus computes it: linear interpolation between the
 * two nearest ranks; φ < 0 gives -Inf, φ > 1 gives +Inf, NaN sorts first.
 */
export function quantile(q: number, values: number[]): number {
  const n = values.length;
  if (n === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort(byValueNaNFirst);
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}

export function byValueNaNFirst(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a - b;
}

/** Reused by quantileOfRange: the functions run one at a time, to the end, on one thread. */
let scratch = new Float64Array(256);

/**
 * quantile(q, values[lo, hi)) without an array of numbers and a comparator: the values are
 * copied into a reused Float64Array and sorted numerically, where NaNs land last; they are
 * read as if first, as Prometheus sorts them. A numeric sort puts -0 before 0 where the stable
 * sort of `quantile` keeps their order, which could change the sign of a zero result: a range
 * holding a -0 goes the way of `quantile`.
 */
export function quantileOfRange(q: number, values: Float64Array, lo: number, hi: number): number {
  const n = hi - lo;
  if (n <= 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  const s = scratch.subarray(0, n);
  s.set(values.subarray(lo, hi));
  for (let i = 0; i < n; i++)
    if (s[i] === 0 && Object.is(s[i], -0)) return quantile(q, Array.from(s));
  s.sort();
  let nans = 0;
  while (nans < n && Number.isNaN(s[n - 1 - nans]!)) nans++;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  const at = (i: number): number => (i < nans ? NaN : s[i - nans]!);
  return at(lower) * (1 - weight) + at(upper) * weight;
}
