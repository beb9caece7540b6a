/** Points of one series: parallel arrays, timestamps ascending and unique. */
export interface Points {
  timestamps: Float64Array;
  values: Float64Array;
}

/**
 * Points from one stored unit (chunk, out-of-order buffer, cold column) and
 * its write order: where two units hold the same timestamp, the higher
 * `version` was written later and wins.
 */
export interface VersionedPoints extends Points {
  version: number;
}

export function emptyPoints(): Points {
  return { timestamps: new Float64Array(0), values: new Float64Array(0) };
}

/** First index with ts[i] >= t. */
export function lowerBound(ts: ArrayLike<number>, t: number, lo = 0, hi = ts.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with ts[i] > t. */
export function upperBound(ts: ArrayLike<number>, t: number, lo = 0, hi = ts.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The points inside [start, end] (views, no copy). */
export function clipRange<P extends Points>(p: P, start: number, end: number): P {
  const a = lowerBound(p.timestamps, start);
  const b = upperBound(p.timestamps, end, a);
  if (a === 0 && b === p.timestamps.length) return p;
  return { ...p, timestamps: p.timestamps.subarray(a, b), values: p.values.subarray(a, b) };
}

/** Merge two sorted unique point sets; on equal timestamps `newer` wins. */
export function mergeTwo(older: Points, newer: Points): Points {
  const at = older.timestamps;
  const av = older.values;
  const bt = newer.timestamps;
  const bv = newer.values;
  const na = at.length;
  const nb = bt.length;
  if (na === 0) return newer;
  if (nb === 0) return older;
  // Disjoint and ordered: plain concatenation.
  if (at[na - 1]! < bt[0]! || bt[nb - 1]! < at[0]!) {
    const first = at[na - 1]! < bt[0]! ? older : newer;
    const second = first === older ? newer : older;
    const ts = new Float64Array(na + nb);
    const vs = new Float64Array(na + nb);
    ts.set(first.timestamps);
    ts.set(second.timestamps, first.timestamps.length);
    vs.set(first.values);
    vs.set(second.values, first.values.length);
    return { timestamps: ts, values: vs };
  }
  const ts = new Float64Array(na + nb);
  const vs = new Float64Array(na + nb);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < na && j < nb) {
    const ta = at[i]!;
    const tb = bt[j]!;
    if (ta < tb) {
      ts[k] = ta;
      vs[k++] = av[i++]!;
    } else if (tb < ta) {
      ts[k] = tb;
      vs[k++] = bv[j++]!;
    } else {
      ts[k] = tb;
      vs[k++] = bv[j++]!;
      i++;
    }
  }
  while (i < na) {
    ts[k] = at[i]!;
    vs[k++] = av[i++]!;
  }
  while (j < nb) {
    ts[k] = bt[j]!;
    vs[k++] = bv[j++]!;
  }
  return { timestamps: ts.subarray(0, k), values: vs.subarray(0, k) };
}

/**
 * One value per timestamp from several sources, timestamps ascending; on a
 * tie the source with the highest version wins (latest write wins).
 */
export function mergeLatestWins(sources: VersionedPoints[]): Points {
  if (sources.length === 1) {
    // One source (a series in one file): no list to filter, once per series of a query.
    const s = sources[0]!;
    return s.timestamps.length > 0 ? { timestamps: s.timestamps, values: s.values } : emptyPoints();
  }
  const live = sources.filter((s) => s.timestamps.length > 0);
  if (live.length === 0) return emptyPoints();
  if (live.length === 1) return { timestamps: live[0]!.timestamps, values: live[0]!.values };
  live.sort((a, b) => a.version - b.version);
  let acc: Points = live[0]!;
  for (let i = 1; i < live.length; i++) acc = mergeTwo(acc, live[i]!);
  return acc;
}
