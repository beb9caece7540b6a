import type { SeriesPoints } from '@ztsdb/wire';

class SeriesColumn {
  ts = new Float64Array(64);
  vs = new Float64Array(64);
  n = 0;

  /** Keeps timestamps sorted with one value each; a later write to a timestamp wins. */
  put(t: number, v: number): void {
    const n = this.n;
    if (n === 0 || t > this.ts[n - 1]!) {
      if (n === this.ts.length) this.grow();
      this.ts[n] = t;
      this.vs[n] = v;
      this.n = n + 1;
      return;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    if (this.ts[lo] === t) {
      this.vs[lo] = v;
      return;
    }
    if (n === this.ts.length) this.grow();
    this.ts.copyWithin(lo + 1, lo, n);
    this.vs.copyWithin(lo + 1, lo, n);
    this.ts[lo] = t;
    this.vs[lo] = v;
    this.n = n + 1;
  }

  private grow(): void {
    const ts = new Float64Array(this.ts.length * 2);
    ts.set(this.ts);
    const vs = new Float64Array(this.vs.length * 2);
    vs.set(this.vs);
    this.ts = ts;
    this.vs = vs;
  }

  range(start: number, end: number): { timestamps: Float64Array; values: Float64Array } {
    const a = lowerBound(this.ts, this.n, start);
    const b = lowerBound(this.ts, this.n, end + 1);
    return { timestamps: this.ts.slice(a, b), values: this.vs.slice(a, b) };
  }
}

function lowerBound(arr: Float64Array, n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The ingestor's in-memory points, per series, in columns. The first version
 * of the ingestor keeps everything here; the storage engine replaces it.
 */
export class MemorySeriesStore {
  private readonly series = new Map<bigint, SeriesColumn>();
  private points = 0;

  insert(id: bigint, t: number, v: number): void {
    let s = this.series.get(id);
    if (!s) {
      s = new SeriesColumn();
      this.series.set(id, s);
    }
    const before = s.n;
    s.put(t, v);
    this.points += s.n - before;
  }

  query(id: bigint, start: number, end: number): SeriesPoints {
    const s = this.series.get(id);
    if (!s) return { id, timestamps: new Float64Array(0), values: new Float64Array(0) };
    return { id, ...s.range(start, end) };
  }

  get seriesCount(): number {
    return this.series.size;
  }

  get pointCount(): number {
    return this.points;
  }
}
