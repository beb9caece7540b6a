import type { SkipSink } from '../errors';
import { lowerBound, mergeLatestWins, type Points, type VersionedPoints } from '../encoding/points';
import type { ColdReader } from './cold-reader';
import type { ColdSeries } from './cold-format';
import type { WarmReader } from './warm-reader';

/** Start of the window of `windowMs` (aligned to the epoch) that holds `t`. */
export function windowStartOf(t: number, windowMs: number): number {
  return Math.floor(t / windowMs) * windowMs;
}

/** One merged series of the cold file of window `windowStart`. */
export interface WindowSeries {
  windowStart: number;
  series: ColdSeries;
  /** Fraction of the warm series merged so far. */
  progress: number;
}

/**
 * The warm → cold merge, one series at a time: for each series of the warm
 * segments (ascending id) its intact chunks are decoded, split by cold window
 * and merged, one value per timestamp with the highest version winning, with
 * what the window's existing cold files (`existingOf`) hold of it; series that
 * only those cold files hold are carried over in id order. Yields in the order
 * a cold file must be written: within each window, ascending ids (windows
 * interleave). A window is touched (and `existingOf` asked) only once a warm
 * point falls in it. Damaged chunks and blocks go to `onSkip` and are left out.
 *
 * Nothing is held beyond the series in hand, so a merge's memory is one
 * series' points whatever the size of the window.
 */
export function* mergeWarmSeries(
  readers: readonly WarmReader[],
  windowMs: number,
  existingOf: (windowStart: number) => readonly ColdReader[],
  onSkip: SkipSink,
): Generator<WindowSeries> {
  const windows = new Map<number, ExistingCursor>();
  const ids = sortedUnion(readers.map((r) => r.seriesIds()));
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n]!;
    const progress = n / ids.length;
    const byWindow = new Map<number, VersionedPoints[]>();
    for (const r of readers)
      for (const unit of r.read(id, -Infinity, Infinity, onSkip))
        splitByWindow(unit, windowMs, byWindow);
    const touched = byWindow.size === 1 ? byWindow.keys() : [...byWindow.keys()].sort(byNumber);
    for (const w of touched) {
      let cur = windows.get(w);
      if (!cur) windows.set(w, (cur = new ExistingCursor(existingOf(w))));
      for (const s of cur.before(id, onSkip)) yield { windowStart: w, series: s, progress };
      const units = byWindow.get(w)!;
      cur.take(id, units, onSkip);
      const s = mergeUnits(id, units);
      if (s) yield { windowStart: w, series: s, progress };
    }
  }
  for (const w of [...windows.keys()].sort(byNumber))
    for (const s of windows.get(w)!.before(undefined, onSkip))
      yield { windowStart: w, series: s, progress: 1 };
}

/** Walks the series ids of a window's existing cold files in step with the merge. */
class ExistingCursor {
  private readonly ids: bigint[];
  private next = 0;

  constructor(private readonly files: readonly ColdReader[]) {
    this.ids = sortedUnion(files.map((f) => f.seriesIds()));
  }

  /** The existing series with ids below `id` (all that are left when undefined), merged. */
  *before(id: bigint | undefined, onSkip: SkipSink): Generator<ColdSeries> {
    while (this.next < this.ids.length && (id === undefined || this.ids[this.next]! < id)) {
      const other = this.ids[this.next++]!;
      const units: VersionedPoints[] = [];
      this.read(other, units, onSkip);
      const s = mergeUnits(other, units);
      if (s) yield s;
    }
  }

  /** Adds the existing data of `id` (the series in hand) to its units. */
  take(id: bigint, units: VersionedPoints[], onSkip: SkipSink): void {
    if (this.ids[this.next] !== id) return;
    this.next++;
    this.read(id, units, onSkip);
  }

  private read(id: bigint, units: VersionedPoints[], onSkip: SkipSink): void {
    for (const f of this.files) {
      const p = f.read(id, -Infinity, Infinity, onSkip);
      if (p) units.push(p);
    }
  }
}

/** Appends the parts of `unit` in each window to that window's list (views, no copy). */
function splitByWindow(
  unit: VersionedPoints,
  windowMs: number,
  byWindow: Map<number, VersionedPoints[]>,
): void {
  const ts = unit.timestamps;
  let i = 0;
  while (i < ts.length) {
    const w = windowStartOf(ts[i]!, windowMs);
    const j = ts[ts.length - 1]! < w + windowMs ? ts.length : lowerBound(ts, w + windowMs, i);
    const part =
      i === 0 && j === ts.length
        ? unit
        : {
            timestamps: ts.subarray(i, j),
            values: unit.values.subarray(i, j),
            version: unit.version,
          };
    const list = byWindow.get(w);
    if (list) list.push(part);
    else byWindow.set(w, [part]);
    i = j;
  }
}

/**
 * One series' units as one column, the highest version winning a shared
 * timestamp; null when no point is left. Units that follow one another in
 * time (a series' successive chunks, the usual case) are joined with a
 * single copy; overlapping ones go through mergeLatestWins.
 */
function mergeUnits(id: bigint, units: VersionedPoints[]): ColdSeries | null {
  let version = 0;
  let total = 0;
  const live: VersionedPoints[] = [];
  for (const u of units) {
    if (u.version > version) version = u.version;
    if (u.timestamps.length === 0) continue;
    live.push(u);
    total += u.timestamps.length;
  }
  if (live.length === 0) return null;
  if (live.length === 1)
    return { seriesId: id, version, timestamps: live[0]!.timestamps, values: live[0]!.values };
  const byStart = [...live].sort((a, b) => a.timestamps[0]! - b.timestamps[0]!);
  let merged: Points | null = concatDisjoint(byStart, total);
  merged ??= mergeLatestWins(live);
  return { seriesId: id, version, timestamps: merged.timestamps, values: merged.values };
}

/** The units joined end to end, or null when two of them overlap in time. */
function concatDisjoint(byStart: readonly VersionedPoints[], total: number): Points | null {
  for (let i = 1; i < byStart.length; i++) {
    const prev = byStart[i - 1]!.timestamps;
    if (byStart[i]!.timestamps[0]! <= prev[prev.length - 1]!) return null;
  }
  const timestamps = new Float64Array(total);
  const values = new Float64Array(total);
  let k = 0;
  for (const u of byStart) {
    timestamps.set(u.timestamps, k);
    values.set(u.values, k);
    k += u.timestamps.length;
  }
  return { timestamps, values };
}

const byNumber = (a: number, b: number): number => a - b;

/** The distinct ids of several lists, ascending. */
function sortedUnion(lists: readonly (readonly bigint[])[]): bigint[] {
  const all: bigint[] = [];
  for (const l of lists) for (const id of l) all.push(id);
  all.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let k = 0;
  for (let i = 0; i < all.length; i++) if (k === 0 || all[i] !== all[k - 1]) all[k++] = all[i]!;
  all.length = k;
  return all;
}
