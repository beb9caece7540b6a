/** An in-memory Queryable for tests and small embedded uses: series appended in time order. */
import type { Labels } from './labels';
import { labelsKey } from './labels';
import type { LabelMatcher } from './matchers';
import { matchesAll } from './matchers';
import type { Queryable, StoredSeries } from './storage';

interface Growing {
  labels: Labels;
  ts: number[];
  vs: number[];
}

export class MemoryQueryable implements Queryable {
  private readonly series = new Map<string, Growing>();

  /** Adds one sample; a sample at an existing time replaces it. */
  add(labels: Labels, timestampMs: number, value: number): void {
    const key = labelsKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, ts: [], vs: [] };
      this.series.set(key, s);
    }
    const last = s.ts.length - 1;
    if (last >= 0 && s.ts[last]! >= timestampMs) {
      const i = s.ts.findIndex((t) => t >= timestampMs);
      if (s.ts[i] === timestampMs) s.vs[i] = value;
      else {
        s.ts.splice(i, 0, timestampMs);
        s.vs.splice(i, 0, value);
      }
      return;
    }
    s.ts.push(timestampMs);
    s.vs.push(value);
  }

  clear(): void {
    this.series.clear();
  }

  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number): Promise<StoredSeries[]> {
    const out: StoredSeries[] = [];
    for (const s of this.series.values()) {
      if (!matchesAll(s.labels, matchers)) continue;
      let lo = 0;
      while (lo < s.ts.length && s.ts[lo]! < startMs) lo++;
      let hi = lo;
      while (hi < s.ts.length && s.ts[hi]! <= endMs) hi++;
      if (hi === lo) continue;
      out.push({
        labels: s.labels,
        timestamps: Float64Array.from(s.ts.slice(lo, hi)),
        values: Float64Array.from(s.vs.slice(lo, hi)),
      });
    }
    return Promise.resolve(out);
  }
}
