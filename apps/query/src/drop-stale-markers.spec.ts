import { STALE_NAN_BITS } from '@ztsdb/promql';
import { dropStaleMarkers } from './drop-stale-markers';

/** Values with the staleness marker's bits at `at` (set through the bits: no plain array). */
function points(n: number, at: number[]): { timestamps: Float64Array; values: Float64Array } {
  const values = Float64Array.from({ length: n }, (_, i) => i);
  const bits = new BigUint64Array(values.buffer);
  for (const i of at) bits[i] = STALE_NAN_BITS;
  return { timestamps: Float64Array.from({ length: n }, (_, i) => 1000 * i), values };
}

describe('dropStaleMarkers', () => {
  it('leaves out staleness markers and keeps every other point, other NaNs too', () => {
    const p = points(6, [2, 5]);
    p.values[0] = NaN;
    const out = dropStaleMarkers(p);
    expect(Array.from(out.timestamps)).toEqual([0, 1000, 3000, 4000]);
    expect(Array.from(out.values)).toEqual([NaN, 1, 3, 4]);
  });

  it('gives the same points back when there is no marker', () => {
    const p = points(4, []);
    expect(dropStaleMarkers(p)).toBe(p);
  });
});
