import { decodeChunk } from '@ztsdb/chunkenc';
import { CorruptionError } from '@ztsdb/errors';
import type { ColdReader } from './cold-reader';
import type { ColdSeries } from './cold-format';
import { WarmCorruptError, type SkipSink } from '../errors';
import { lowerBound, mergeLatestWins, type VersionedPoints } from '../encoding/points';
import type { WarmReader } from './warm-reader';

/** window start → series id → stored units of that series in the window. */
export type WindowUnits = Map<number, Map<bigint, VersionedPoints[]>>;

/** Start of the window of `windowMs` (aligned to the epoch) that holds `t`. */
export function windowStartOf(t: number, windowMs: number): number {
  return Math.floor(t / windowMs) * windowMs;
}

/**
 * Decodes every intact chunk of the warm segments and splits its points by
 * cold window. Damaged chunks go to `onSkip` and are left out.
 */
export function splitWarmByWindow(
  readers: readonly WarmReader[],
  windowMs: number,
  onSkip: SkipSink,
): WindowUnits {
  const byWindow: WindowUnits = new Map();
  for (const r of readers) {
    for (const c of r.chunks(onSkip)) {
      let pts;
      try {
        pts = decodeChunk(c.bytes);
      } catch (err) {
        if (!(err instanceof CorruptionError)) throw err;
        onSkip(
          new WarmCorruptError(
            `${r.file}: chunk of series ${c.seriesId}: ${err.message}`,
            { file: r.file, seriesId: c.seriesId },
            { cause: err },
          ),
        );
        continue;
      }
      const ts = pts.timestamps;
      let i = 0;
      while (i < ts.length) {
        const w = windowStartOf(ts[i]!, windowMs);
        const j = lowerBound(ts, w + windowMs, i);
        let m = byWindow.get(w);
        if (!m) byWindow.set(w, (m = new Map()));
        let list = m.get(c.seriesId);
        if (!list) m.set(c.seriesId, (list = []));
        list.push({
          timestamps: ts.subarray(i, j),
          values: pts.values.subarray(i, j),
          version: c.version,
        });
        i = j;
      }
    }
  }
  return byWindow;
}

/**
 * One window's series for a new cold file: the warm units merged with what
 * an existing cold file of the window already holds, one value per
 * timestamp, the highest version winning.
 */
export function mergeWindow(
  units: Map<bigint, VersionedPoints[]>,
  existing: readonly ColdReader[],
  onSkip: SkipSink,
): ColdSeries[] {
  for (const r of existing) {
    for (const s of r.allSeries(onSkip)) {
      let list = units.get(s.seriesId);
      if (!list) units.set(s.seriesId, (list = []));
      list.push({ timestamps: s.timestamps, values: s.values, version: s.version });
    }
  }
  const out: ColdSeries[] = [];
  for (const [id, list] of units) {
    const merged = mergeLatestWins(list);
    let version = 0;
    for (const u of list) if (u.version > version) version = u.version;
    if (merged.timestamps.length > 0)
      out.push({ seriesId: id, version, timestamps: merged.timestamps, values: merged.values });
  }
  return out;
}
