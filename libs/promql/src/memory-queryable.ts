/**
 * An in-memory Queryable for tests and small embedded uses. Samples live in typed arrays, which
 * keep every NaN bit pattern (a staleness marker stays one; plain JS arrays may not). `select`
 * answers views into them, not copies.
 */
import type { Labels } from './labels';
import { labelsKey } from './labels';
import type { LabelMatcher } from './matchers';
import { matchesAll } from './matchers';
import type { Queryable, StoredSeries } from './storage';
import { upperBound } from './engine/values';

interface Growing {
  labels: Labels;
  ts: Float64Array;
  vs: Float64Array;
  n: number;
}

export class MemoryQueryable implements Queryable {
  private readonly series = new Map<string, Growing>();

  /** Adds one sample; a sample at an existing time replaces it. */
  add(labels: Labels, timestampMs: number, value: number): void {
    const key = labelsKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, ts: new Float64Array(16), vs: new Float64Array(16), n: 0 };
      this.series.set(key, s);
    }
    const at = upperBound(s.ts, timestampMs, 0, s.n);
    if (at > 0 && s.ts[at - 1] === timestampMs) {
      s.vs[at - 1] = value;
      return;
    }
    if (s.n === s.ts.length) {
      const ts = new Float64Array(s.n * 2);
      const vs = new Float64Array(s.n * 2);
      ts.set(s.ts);
      vs.set(s.vs);
      s.ts = ts;
      s.vs = vs;
    }
    s.ts.copyWithin(at + 1, at, s.n);
    s.vs.copyWithin(at + 1, at, s.n);
    s.ts[at] = timestampMs;
    s.vs[at] = value;
    s.n++;
  }

  clear(): void {
    this.series.clear();
  }

  select(
    matchers: readonly LabelMatcher[],
    startMs: number,
    endMs: number,
  ): Promise<StoredSeries[]> {
    const out: StoredSeries[] = [];
    for (const s of this.series.values()) {
      if (!matchesAll(s.labels, matchers)) continue;
      const lo = upperBound(s.ts, startMs - 1e-9, 0, s.n);
      const hi = upperBound(s.ts, endMs, lo, s.n);
      if (hi === lo) continue;
      out.push({
        labels: s.labels,
        timestamps: s.ts.subarray(lo, hi),
        values: s.vs.subarray(lo, hi),
      });
    }
    return Promise.resolve(out);
  }
}
