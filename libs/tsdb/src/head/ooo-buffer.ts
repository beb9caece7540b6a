import { lowerBound } from '../encoding/points';

/**
 * Out-of-order points of one series: kept sorted by timestamp with one value
 * per timestamp (a later put replaces the value). Small and bounded; the head
 * seals it into its own chunk when full or old.
 */
export class OooBuffer {
  timestamps: Float64Array;
  values: Float64Array;
  count = 0;

  constructor(initialCapacity = 16) {
    this.timestamps = new Float64Array(initialCapacity);
    this.values = new Float64Array(initialCapacity);
  }

  put(t: number, v: number): void {
    const n = this.count;
    const i = lowerBound(this.timestamps, t, 0, n);
    if (i < n && this.timestamps[i] === t) {
      this.values[i] = v;
      return;
    }
    if (n === this.timestamps.length) {
      const ts = new Float64Array(n * 2);
      const vs = new Float64Array(n * 2);
      ts.set(this.timestamps);
      vs.set(this.values);
      this.timestamps = ts;
      this.values = vs;
    }
    this.timestamps.copyWithin(i + 1, i, n);
    this.values.copyWithin(i + 1, i, n);
    this.timestamps[i] = t;
    this.values[i] = v;
    this.count = n + 1;
  }

  get minT(): number {
    return this.count === 0 ? Infinity : this.timestamps[0]!;
  }

  get maxT(): number {
    return this.count === 0 ? -Infinity : this.timestamps[this.count - 1]!;
  }

  /** Copies of the points. */
  points(): { timestamps: Float64Array; values: Float64Array } {
    return {
      timestamps: this.timestamps.slice(0, this.count),
      values: this.values.slice(0, this.count),
    };
  }
}
