import { lowerBound, upperBound, type VersionedPoints } from './points';

/**
 * The instants a step-sampling reader looks at: first + k·step for k in [0, count).
 * A reader that takes, at each instant, the last point at or before it (PromQL's instant
 * vector selector, within its lookback) needs no other point.
 */
export interface StepInstants {
  readonly first: number;
  /** Milliseconds between instants; 0 when every instant is `first` (an `@` modifier). */
  readonly step: number;
  readonly count: number;
  /**
   * For a reader that drops some NaN values before sampling (the native API drops staleness
   * markers): true for such a value. The last point at or before an instant is then the last
   * one whose value this does not drop.
   */
  readonly dropped?: (nanValue: number) => boolean;
}

/** Instants from a sorted, evenly spaced list (as a range query's steps), or undefined if not so. */
export function instantsOf(times: ArrayLike<number>): StepInstants | undefined {
  const n = times.length;
  if (n === 0) return undefined;
  const first = times[0]!;
  const step = n > 1 ? times[1]! - first : 0;
  if (!(step >= 0) || !Number.isFinite(first)) return undefined;
  for (let i = 1; i < n; i++) if (times[i] !== first + i * step) return undefined;
  return step === 0 ? { first, step: 0, count: 1 } : { first, step, count: n };
}

/** Instants at most this many times a series' mean interval between points apart are dense. */
const DENSE_STEP_FACTOR = 2;

/**
 * True when sampling at `inst` keeps at least about half of a series' points in a file of
 * `points` over `seriesCount` series from `minT` to `maxT` (its mean interval between points):
 * a one-second step over samples a second apart, as a dashboard's short ranges ask. Thinning
 * those saves little over keeping them all.
 */
export function denseInstants(
  inst: StepInstants,
  file: { minT: number; maxT: number; points: number; seriesCount: number },
): boolean {
  const perSeries = file.points / Math.max(1, file.seriesCount);
  if (!(perSeries > 1) || !(inst.step > 0)) return false;
  return inst.step <= (DENSE_STEP_FACTOR * (file.maxT - file.minT)) / (perSeries - 1);
}

/** A stable text key of the instants (equal keys, equal instants). */
export function instantsKey(inst: StepInstants): string {
  return `${inst.first}/${inst.step}/${inst.count}`;
}

/**
 * Appends to `keep` the indexes of `ts[from, to)` (ascending) that are, for some instant, the
 * last point at or before it (and with `inst.dropped`, the last one not dropped); `keep`
 * must have room for min(to − from, count), twice the count with `dropped`. Returns the new
 * length of `keep`. Merging several units thinned so gives, at every instant, the same last
 * point (and, on equal timestamps, the same latest-written value) as merging them whole:
 * the merged last point at or before t is the newest of each unit's last point at or before t.
 * With `dropped` that holds unless a dropped value was written over another unit's kept value
 * at the same time and that unit has a later point the reader would drop-merge past (a
 * staleness marker written over a sample: Prometheus writes markers at new times).
 */
export function thinIndexes(
  ts: Float64Array,
  vs: Float64Array,
  from: number,
  to: number,
  inst: StepInstants,
  keep: Uint32Array,
  kept: number,
): number {
  const { first, step, count, dropped } = inst;
  const last = first + (count - 1) * step;
  let floor = from; // points before it are kept already or needed by no instant
  let i = from;
  while (i < to) {
    const p = ts[i]!;
    if (p > last) break;
    // The first instant at or after this point; the last point at or before it is kept.
    const k = step > 0 && p > first ? Math.ceil((p - first) / step) : 0;
    const t = first + k * step;
    // Points about as dense as the instants: the next point is usually past the instant already.
    const next = i + 1 >= to || ts[i + 1]! > t ? i + 1 : upperBound(ts, t, i + 1, to);
    const j = next - 1;
    if (dropped && vs[j]! !== vs[j]! && dropped(vs[j]!)) {
      // The dropped point stays (it may win over another unit's point at its time); so does
      // the last point before it that is not dropped, which the reader samples instead.
      let d = j - 1;
      while (d >= floor && vs[d]! !== vs[d]! && dropped(vs[d]!)) d--;
      if (d >= floor) keep[kept++] = d;
    }
    keep[kept++] = j;
    floor = next;
    i = next;
  }
  return kept;
}

/** Scratch index list shared by every thinning call (calls are synchronous). */
let scratchKeep = new Uint32Array(1024);

/**
 * The points of `unit` within [start, end] that some instant needs (see thinIndexes); null when
 * none is. When every point there is needed (instants as dense as the points: a one-second step
 * over one-second samples) they are views of the unit's arrays, which readers do not write to;
 * otherwise arrays of their own.
 */
export function thinUnit(
  unit: VersionedPoints,
  start: number,
  end: number,
  inst: StepInstants,
): VersionedPoints | null {
  return thinArrays(
    unit.timestamps,
    unit.values,
    unit.timestamps.length,
    start,
    end,
    inst,
    unit.version,
    true,
  );
}

/**
 * As thinUnit, over the first `n` entries of parallel arrays: a decoder's scratch, in arrays of
 * their own; with `views`, arrays a caller keeps (thinUnit), in views of them when every point
 * in the range is kept.
 */
export function thinArrays(
  ts: Float64Array,
  vs: Float64Array,
  n: number,
  start: number,
  end: number,
  inst: StepInstants,
  version: number,
  views = false,
): VersionedPoints | null {
  if (n === 0 || inst.count === 0) return null;
  const a = start <= ts[0]! ? 0 : lowerBound(ts, start, 0, n);
  const b = end >= ts[n - 1]! ? n : upperBound(ts, end, a, n);
  if (b <= a) return null;
  const room = Math.min(b - a, inst.dropped ? 2 * inst.count : inst.count);
  if (scratchKeep.length < room)
    scratchKeep = new Uint32Array(Math.max(room, scratchKeep.length * 2));
  const kept = thinIndexes(ts, vs, a, b, inst, scratchKeep, 0);
  if (kept === 0) return null;
  // The kept indexes ascend without repeats: as many as the range holds means all of them.
  if (views && kept === b - a)
    return { timestamps: ts.subarray(a, b), values: vs.subarray(a, b), version };
  const timestamps = new Float64Array(kept);
  const values = new Float64Array(kept);
  for (let k = 0; k < kept; k++) {
    const j = scratchKeep[k]!;
    timestamps[k] = ts[j]!;
    values[k] = vs[j]!;
  }
  return { timestamps, values, version };
}
