import { bucketQuantile, formatOpenMetricsFloat } from './histogram-quantile';
import { expandTemplate, naturalCompare } from './label-functions';
import { RANGE_FUNCTIONS, type Window } from './range-functions';
import { DATE_FUNCTIONS, MATH_FUNCTIONS } from './instant-functions';

function win(
  ts: number[],
  vs: number[],
  end: number,
  rangeMs: number,
  params: number[] = [],
): Window {
  return {
    ts: Float64Array.from(ts),
    vs: Float64Array.from(vs),
    lo: 0,
    hi: ts.length,
    end,
    rangeMs,
    stepTime: end,
    params,
  };
}

describe('range functions', () => {
  it('extrapolates rate and increase to the window edges and corrects counter resets', () => {
    // samples 10 s apart from 5 s to 55 s in the window (0, 60]: extrapolated by 5 s each side
    const ts = [5, 15, 25, 35, 45, 55].map((s) => s * 1000);
    const vs = [10, 20, 30, 40, 50, 60];
    expect(RANGE_FUNCTIONS.increase!(win(ts, vs, 60_000, 60_000))).toBeCloseTo(60, 10);
    expect(RANGE_FUNCTIONS.rate!(win(ts, vs, 60_000, 60_000))).toBeCloseTo(1, 10);
    // a reset from 40 to 5: the increase continues from the value before it
    expect(RANGE_FUNCTIONS.increase!(win(ts, [10, 20, 30, 40, 5, 15], 60_000, 60_000))).toBeCloseTo(
      (15 - 10 + 40) * (60 / 50),
      10,
    );
    // a counter is not extrapolated below zero
    expect(
      RANGE_FUNCTIONS.increase!(win([35_000, 45_000, 55_000], [0, 10, 20], 60_000, 60_000)),
    ).toBeCloseTo(25, 10);
    expect(RANGE_FUNCTIONS.rate!(win([55_000], [1], 60_000, 60_000))).toBeUndefined();
  });

  it('computes irate, idelta, deriv, predict_linear, changes and resets', () => {
    const w = win([0, 10_000, 20_000], [1, 5, 3], 20_000, 60_000);
    expect(RANGE_FUNCTIONS.irate!(w)).toBeCloseTo(0.3, 12); // reset: last value over 10 s
    expect(RANGE_FUNCTIONS.idelta!(w)).toBe(-2);
    expect(RANGE_FUNCTIONS.changes!(w)).toBe(2);
    expect(RANGE_FUNCTIONS.resets!(w)).toBe(1);
    const line = win([0, 10_000, 20_000], [0, 10, 20], 20_000, 60_000, [30]);
    expect(RANGE_FUNCTIONS.deriv!(line)).toBeCloseTo(1, 12);
    expect(RANGE_FUNCTIONS.predict_linear!(line)).toBeCloseTo(50, 12);
  });

  it('aggregates over time: avg, sum, stddev, quantile, mad, last, present', () => {
    const w = win([1, 2, 3, 4], [2, 4, 4, 6], 4, 10, [0.5]);
    expect(RANGE_FUNCTIONS.avg_over_time!(w)).toBe(4);
    expect(RANGE_FUNCTIONS.sum_over_time!(w)).toBe(16);
    expect(RANGE_FUNCTIONS.stdvar_over_time!(w)).toBe(2);
    expect(RANGE_FUNCTIONS.stddev_over_time!(w)).toBeCloseTo(Math.SQRT2, 12);
    expect(RANGE_FUNCTIONS.quantile_over_time!(w)).toBe(4);
    expect(RANGE_FUNCTIONS.mad_over_time!(w)).toBe(1);
    expect(RANGE_FUNCTIONS.last_over_time!(w)).toBe(6);
    expect(RANGE_FUNCTIONS.present_over_time!(w)).toBe(1);
    expect(RANGE_FUNCTIONS.max_over_time!(win([1, 2], [NaN, 3], 2, 10))).toBe(3);
    expect(RANGE_FUNCTIONS.count_over_time!({ ...w, lo: 2, hi: 2 })).toBeUndefined();
  });
});

describe('element-wise functions', () => {
  it('rounds to the nearest multiple and clamps', () => {
    expect(MATH_FUNCTIONS.round!(2.5, [])).toBe(3);
    expect(MATH_FUNCTIONS.round!(-2.5, [])).toBe(-2);
    expect(MATH_FUNCTIONS.round!(7, [5])).toBe(5);
    expect(MATH_FUNCTIONS.clamp!(7, [0, 5])).toBe(5);
    expect(MATH_FUNCTIONS.sgn!(-3, [])).toBe(-1);
  });

  it('reads dates in UTC', () => {
    const t = Date.UTC(2024, 1, 29, 13, 45, 0) / 1000;
    expect(DATE_FUNCTIONS.year!(t)).toBe(2024);
    expect(DATE_FUNCTIONS.month!(t)).toBe(2);
    expect(DATE_FUNCTIONS.days_in_month!(t)).toBe(29);
    expect(DATE_FUNCTIONS.day_of_year!(t)).toBe(60);
    expect(DATE_FUNCTIONS.hour!(t)).toBe(13);
    expect(DATE_FUNCTIONS.minute!(t)).toBe(45);
    expect(DATE_FUNCTIONS.day_of_week!(t)).toBe(4);
  });
});

describe('label helpers', () => {
  it('expands templates as Go does', () => {
    const groups = (n: string): string => ({ '1': 'a', '2': 'b', name: 'n' })[n] ?? '';
    expect(expandTemplate('$1-${2}-$name-$$-$1x-${1}x', groups)).toBe('a-b-n-$--ax');
  });

  it('orders label values naturally', () => {
    expect(['a10', 'a9', 'a1'].sort(naturalCompare)).toEqual(['a1', 'a9', 'a10']);
  });
});

describe('bucketQuantile', () => {
  it('needs a +Inf bucket, forces monotonic counts and interpolates', () => {
    expect(bucketQuantile(0.5, [{ upper: 1, count: 5 }]).value).toBeNaN();
    const r = bucketQuantile(0.5, [
      { upper: 1, count: 10 },
      { upper: 2, count: 8 },
      { upper: Infinity, count: 20 },
    ]);
    expect(r.forced).toBe(true);
    expect(r.value).toBe(1);
    expect(
      bucketQuantile(0.99, [
        { upper: 1, count: 10 },
        { upper: Infinity, count: 20 },
      ]).value,
    ).toBe(1);
    expect(bucketQuantile(-1, []).value).toBe(-Infinity);
    expect(formatOpenMetricsFloat(1)).toBe('1.0');
    expect(formatOpenMetricsFloat(0.25)).toBe('0.25');
  });
});
