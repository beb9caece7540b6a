import { formatFloat } from './format-float';
import { kahanMean, kahanSum } from './kahan';
import { quantile } from './quantile';
import { isStaleNaN, STALE_NAN } from '../storage';
import { MemoryQueryable } from '../memory-queryable';
import { newMatcher } from '../matchers';

describe('numeric helpers', () => {
  it('keeps precision in long sums and switches the mean to incremental on overflow', () => {
    expect(kahanSum(Float64Array.from([1e100, 1, -1e100]), 0, 3)).toBe(1);
    expect(kahanSum(Float64Array.from([0.1, 0.2, 0.3]), 0, 3)).toBe(0.6);
    expect(kahanMean(Float64Array.from([Number.MAX_VALUE, Number.MAX_VALUE]), 0, 2)).toBe(
      Number.MAX_VALUE,
    );
    expect(kahanSum(Float64Array.from([Infinity, -Infinity]), 0, 2)).toBeNaN();
  });

  it('computes quantiles with interpolation and NaN first', () => {
    expect(quantile(0.5, [4, 1, 3, 2])).toBe(2.5);
    expect(quantile(0, [NaN, 1])).toBeNaN();
    expect(quantile(2, [1])).toBe(Infinity);
  });

  it('formats floats like Go without exponents', () => {
    expect(formatFloat(1e21)).toBe('1000000000000000000000');
    expect(formatFloat(1.5e-7)).toBe('0.00000015');
    expect(formatFloat(-Infinity)).toBe('-Inf');
    expect(formatFloat(2)).toBe('2');
  });

  it('tells the staleness marker from other NaNs', () => {
    expect(isStaleNaN(STALE_NAN)).toBe(true);
    expect(isStaleNaN(NaN)).toBe(false);
    expect(isStaleNaN(0)).toBe(false);
  });
});

describe('MemoryQueryable', () => {
  it('keeps samples sorted, replaces a sample at the same time and selects a closed range', async () => {
    const q = new MemoryQueryable();
    const l = [['__name__', 'm']] as const;
    q.add(l, 20, 2);
    q.add(l, 10, 1);
    q.add(l, 20, 3);
    q.add(l, 30, STALE_NAN);
    const [s] = await q.select([newMatcher('=', '__name__', 'm')], 10, 30);
    expect(Array.from(s!.timestamps)).toEqual([10, 20, 30]);
    expect(Array.from(s!.values.subarray(0, 2))).toEqual([1, 3]);
    expect(isStaleNaN(s!.values[2]!)).toBe(true);
    expect(await q.select([newMatcher('=', '__name__', 'x')], 0, 100)).toEqual([]);
  });
});
