/**
 * Values during evaluation. Every expression is evaluated for all steps of the query at once
 * (an instant query is a range query of one step): a vector is a list of series, each with one
 * value slot per step and a presence flag per step, both typed arrays.
 */
import type { Labels } from '../labels';

export interface StepSeries {
  labels: Labels;
  readonly values: Float64Array;
  /** 1 where the series has a sample at that step. */
  readonly present: Uint8Array;
  /** The metric name is to be removed at the end of evaluation (delayed name removal). */
  dropName: boolean;
}

/** One series of a range vector: its samples (stale markers removed) over the whole query. */
export interface RangeSeries {
  readonly labels: Labels;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly dropName: boolean;
}

export interface VectorValue {
  readonly kind: 'vector';
  readonly series: StepSeries[];
}

export interface ScalarValue {
  readonly kind: 'scalar';
  readonly values: Float64Array;
}

export interface StringValue {
  readonly kind: 'string';
  readonly value: string;
}

/**
 * A range vector argument: step i sees the samples of each series in the left-open window
 * (windowEnd(i) - rangeMs, windowEnd(i)].
 */
export interface MatrixValue {
  readonly kind: 'matrix';
  readonly series: RangeSeries[];
  readonly rangeMs: number;
  windowEnd(step: number): number;
}

export type Value = VectorValue | ScalarValue | StringValue | MatrixValue;

export function newStepSeries(labels: Labels, steps: number, dropName = false): StepSeries {
  return { labels, values: new Float64Array(steps), present: new Uint8Array(steps), dropName };
}

/**
 * Makes step series for many series at once: their arrays are views into two shared buffers,
 * since allocating two small buffers per series dominates the cost of wide selectors.
 */
export class StepSeriesSlab {
  private readonly values: Float64Array;
  private readonly present: Uint8Array;
  private next = 0;

  constructor(
    count: number,
    private readonly steps: number,
  ) {
    this.values = new Float64Array(count * steps);
    this.present = new Uint8Array(count * steps);
  }

  take(labels: Labels, dropName = false): StepSeries {
    const at = this.next++ * this.steps;
    return {
      labels,
      values: this.values.subarray(at, at + this.steps),
      present: this.present.subarray(at, at + this.steps),
      dropName,
    };
  }

  /** Gives back the series taken last, when it turned out empty. */
  untake(): void {
    this.next--;
    this.present.fill(0, this.next * this.steps, (this.next + 1) * this.steps);
  }
}

/** First index in a sorted array whose value is > t (binary search). */
export function upperBound(a: Float64Array, t: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
