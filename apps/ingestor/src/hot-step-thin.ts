import type { SeriesPoints } from '@ztsdb/wire';

/**
 * The points of `s` that are, for some instant t = start + k·step ≤ end, the
 * last point at or before t. A reader that samples at those instants ("last
 * point at or before t, within a lookback") gets the same answer from these
 * points as from all of them, and the same after merging them with points of
 * other tiers (the merged last point at or before t is the newest of each
 * tier's last point at or before t, and ties keep this tier's point).
 * Points after the last instant are left out too. Returns `s` when nothing
 * would be left out.
 */
export function thinToSteps(
  s: SeriesPoints,
  start: number,
  end: number,
  step: number,
): SeriesPoints {
  const ts = s.timestamps;
  const n = ts.length;
  if (n === 0 || !(step > 0)) return s;
  const lastInstant = start + Math.floor((end - start) / step) * step;
  const keep = new Uint32Array(Math.min(n, Math.floor((end - start) / step) + 1));
  let kept = 0;
  let i = 0;
  // Walk the instants that have a point at or before them; jump over empty stretches.
  let t = start;
  while (t <= lastInstant && i < n) {
    if (ts[i]! > t) {
      // Next instant at or after ts[i].
      t = start + Math.max(1, Math.ceil((ts[i]! - start) / step)) * step;
      continue;
    }
    while (i + 1 < n && ts[i + 1]! <= t) i++;
    keep[kept++] = i;
    i++;
    t += step;
  }
  if (kept === n) return s;
  const timestamps = new Float64Array(kept);
  const values = new Float64Array(kept);
  for (let k = 0; k < kept; k++) {
    timestamps[k] = ts[keep[k]!]!;
    values[k] = s.values[keep[k]!]!;
  }
  return { id: s.id, timestamps, values };
}
