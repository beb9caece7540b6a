/**
 * What the engine needs from storage: the series matching a selector with their samples in a
 * time range. The engine calls `select` once per selector per query, with the widest range any
 * step needs, and then works on the returned arrays.
 */
import type { Labels } from './labels';
import type { LabelMatcher } from './matchers';

/** The value Prometheus writes to mark a series stale (a NaN with this exact bit pattern). */
export const STALE_NAN_BITS = 0x7ff0000000000002n;

const staleBuf = new DataView(new ArrayBuffer(8));
staleBuf.setBigUint64(0, STALE_NAN_BITS);
export const STALE_NAN = staleBuf.getFloat64(0);

/** The marker after a CPU quietened it (V8 does so when a NaN passes through a plain array). */
const QUIET_STALE_NAN_BITS = 0x7ff8000000000002n;

/** True only for the staleness marker (also in its quietened form), not for other NaNs. */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false;
  staleBuf.setFloat64(0, v);
  const bits = staleBuf.getBigUint64(0);
  return bits === STALE_NAN_BITS || bits === QUIET_STALE_NAN_BITS;
}

/** The engine only reads these arrays, so they may be views into a store's own buffers. */
export interface StoredSeries {
  readonly labels: Labels;
  /** Sample times in ms, ascending. */
  readonly timestamps: Float64Array;
  /** Values, same length; staleness markers included. */
  readonly values: Float64Array;
}

/** What the engine will do with a selection, so a store may read less. */
export interface SelectHints {
  /**
   * The engine samples the series only at these times (ascending): at each, the last sample
   * at or before it within the lookback. A store may leave out every sample that is not
   * such a last sample (an instant vector selector at a step needs a few points per step).
   */
  readonly sampleTimes?: Float64Array;
}

export interface Queryable {
  /** Series whose labels match every matcher, with their samples in [startMs, endMs]. */
  select(
    matchers: readonly LabelMatcher[],
    startMs: number,
    endMs: number,
    hints?: SelectHints,
  ): Promise<StoredSeries[]>;
}
