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
 * Ranks this close to either end (φ = 0.99 or 0.95 over a minute of points, φ = 0.01) are
 * found in one pass that keeps the few largest (or smallest) values, without the copy and
 * the selection.
 */
const END_RANKS = 4;
const ends = new Float64Array(END_RANKS);

/**
 * quantileOfRange when both ranks needed are among the `keep` largest of the n values
 * (`dir` 1) or, NaNs sorting first, at most `keep` - 1 from the start (`dir` -1): keeps the
 * `keep` largest (smallest) values that are not NaN, largest (smallest) first, and counts the
 * NaNs. The smallest values are kept as the largest of the negated ones.
 */
function quantileNearEnd(
  q: number,
  values: Float64Array,
  lo: number,
  hi: number,
  lower: number,
  upper: number,
  weight: number,
  keep: number,
  dir: 1 | -1,
): number {
  const top = ends;
  let kept = 0;
  let nans = 0;
  for (let i = lo; i < hi; i++) {
    const x = values[i]!;
    if (x !== x) {
      nans++;
      continue;
    }
    if (x === 0 && 1 / x < 0) return quantile(q, Array.from(values.subarray(lo, hi)));
    const v = dir * x;
    if (kept === keep && !(v > top[keep - 1]!)) continue;
    let j = kept < keep ? kept++ : keep - 1;
    while (j > 0 && top[j - 1]! < v) {
      top[j] = top[j - 1]!;
      j--;
    }
    top[j] = v;
  }
  const n = hi - lo;
  const m = n - nans;
  // Sorted with NaNs first, position p holds NaN below `nans`, else the (p - nans)-th smallest
  // value: the (m - 1 - (p - nans))-th largest, or the (p - nans)-th smallest.
  const at = (p: number): number =>
    p < nans ? NaN : dir === 1 ? top[m - 1 - (p - nans)]! : -top[p - nans]!;
  return at(lower) * (1 - weight) + at(upper) * weight;
}

/**
 * Moves the k-th smallest of s[0, m) (no NaN, no -0: a total order) to s[k], smaller or equal
 * values before it and greater or equal after it (Hoare's selection, median of three).
 */
function select(s: Float64Array, m: number, k: number): void {
  let lo = 0;
  let hi = m - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three at `mid`, the other two as sentinels at the ends.
    if (s[mid]! < s[lo]!) swap(s, mid, lo);
    if (s[hi]! < s[lo]!) swap(s, hi, lo);
    if (s[hi]! < s[mid]!) swap(s, hi, mid);
    const pivot = s[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (s[i]! < pivot) i++;
      while (s[j]! > pivot) j--;
      if (i <= j) {
        swap(s, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(s: Float64Array, a: number, b: number): void {
  const t = s[a]!;
  s[a] = s[b]!;
  s[b] = t;
}

/**
 * quantile(q, values[lo, hi)) without an array of numbers, a comparator or a sort: the values
 * that are not NaN are copied into a reused Float64Array and the two ranks needed are selected
 * (values, so any order of equal values gives the same result); NaNs are read as first, as
 * Prometheus sorts them. The sort of `quantile` keeps -0 and 0 in their order, which could
 * change the sign of a zero result: a range holding a -0 goes the way of `quantile`.
 */
export function quantileOfRange(q: number, values: Float64Array, lo: number, hi: number): number {
  const n = hi - lo;
  if (n <= 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  if (n - lower <= END_RANKS)
    return quantileNearEnd(q, values, lo, hi, lower, upper, weight, n - lower, 1);
  if (upper < END_RANKS)
    return quantileNearEnd(q, values, lo, hi, lower, upper, weight, upper + 1, -1);
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  const s = scratch;
  let m = 0;
  for (let i = lo; i < hi; i++) {
    const v = values[i]!;
    if (v !== v) continue; // NaN
    if (v === 0 && 1 / v < 0) return quantile(q, Array.from(values.subarray(lo, hi)));
    s[m++] = v;
  }
  const nans = n - m;
  let a = NaN;
  let b = NaN;
  if (lower >= nans) {
    select(s, m, lower - nans);
    a = s[lower - nans]!;
  }
  if (upper >= nans) {
    const k = upper - nans;
    if (lower >= nans && k > lower - nans) {
      // Everything after the lower rank is at least it: the next rank is their minimum.
      b = s[k]!;
      for (let i = k + 1; i < m; i++) if (s[i]! < b) b = s[i]!;
    } else if (lower >= nans) b = a;
    else {
      select(s, m, k);
      b = s[k]!;
    }
  }
  return a * (1 - weight) + b * weight;
}
