import { formatFloat, formatFloatSlow } from './format-float';
import { kahanInc, kahanMean, kahanSum } from './kahan';
import { quantile, quantileOfRange } from './quantile';
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

  it('sums and averages exactly as kahanInc step by step, overflow, NaN and infinities included', () => {
    // The object-per-step form the fast loops replaced, kept here as the reference.
    const refSum = (v: Float64Array, lo: number, hi: number): number => {
      const s = { sum: 0, c: 0 };
      for (let i = lo; i < hi; i++) kahanInc(v[i]!, s);
      return Number.isFinite(s.sum) ? s.sum + s.c : s.sum;
    };
    const refMean = (v: Float64Array, lo: number, hi: number): number => {
      const s = { sum: 0, c: 0 };
      let count = 0;
      let incremental = false;
      let mean = 0;
      for (let i = lo; i < hi; i++) {
        const f = v[i]!;
        count++;
        if (count === 1) {
          s.sum = f;
          mean = f;
          continue;
        }
        if (!incremental) {
          const trial = { sum: s.sum, c: s.c };
          kahanInc(f, trial);
          if (Number.isNaN(trial.sum) || Number.isFinite(trial.sum)) {
            s.sum = trial.sum;
            s.c = trial.c;
            continue;
          }
          incremental = true;
          mean = s.sum / (count - 1);
          s.c /= count - 1;
        }
        const q = (count - 1) / count;
        const m = { sum: q * mean, c: q * s.c };
        kahanInc(f / count, m);
        mean = m.sum;
        s.c = m.c;
      }
      if (count === 0) return NaN;
      return incremental ? mean + s.c : s.sum / count + s.c / count;
    };
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const special = [Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, NaN, 1e300, 0, -0];
    const same = (a: number, b: number): boolean => Object.is(a, b);
    for (let round = 0; round < 2000; round++) {
      const n = Math.floor(rnd() * 12);
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const r = rnd();
        v[i] =
          r < 0.15
            ? special[Math.floor(rnd() * special.length)]!
            : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
      }
      const lo = Math.floor(rnd() * (n + 1));
      const hi = lo + Math.floor(rnd() * (n - lo + 1));
      if (
        !same(kahanSum(v, lo, hi), refSum(v, lo, hi)) ||
        !same(kahanMean(v, lo, hi), refMean(v, lo, hi))
      )
        throw new Error(`differs on [${Array.from(v.subarray(lo, hi)).join(', ')}]`);
    }
    expect(kahanMean(Float64Array.from([Number.MAX_VALUE, Number.MAX_VALUE, 1]), 0, 3)).toBe(
      refMean(Float64Array.from([Number.MAX_VALUE, Number.MAX_VALUE, 1]), 0, 3),
    );
  });

  it('gives the same quantile of a range as quantile, NaN, -0 and infinities included', () => {
    let seed = 99;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pool = [NaN, 0, -0, 1, 2, 2, -3.5, Infinity, -Infinity, 1e-300];
    for (let round = 0; round < 1000; round++) {
      const n = Math.floor(rnd() * 400);
      const v = Float64Array.from({ length: n }, () =>
        rnd() < 0.3 ? pool[Math.floor(rnd() * pool.length)]! : rnd() * 100 - 50,
      );
      const lo = Math.floor(rnd() * (n + 1));
      const hi = lo + Math.floor(rnd() * (n - lo + 1));
      const q = [0, 0.25, 0.5, 0.99, 1, -1, 2, NaN][Math.floor(rnd() * 8)]!;
      const want = quantile(q, Array.from(v.subarray(lo, hi)));
      const got = quantileOfRange(q, v, lo, hi);
      if (!Object.is(got, want))
        throw new Error(`q=${q} over ${Array.from(v.subarray(lo, hi))}: ${got} ≠ ${want}`);
    }
    expect(quantileOfRange(0.5, Float64Array.of(NaN, 1, 3), 0, 3)).toBe(1);
    expect(quantileOfRange(1, Float64Array.of(0, -0), 0, 2)).toBe(-0);
  });

  it('selects the same ranks as the sort, over ranges without -0 (NaN, infinities, ties)', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pool = [NaN, 0, 1, 2, 2, -3.5, Infinity, -Infinity, 1e-300, 5];
    for (let round = 0; round < 5000; round++) {
      const n = 1 + Math.floor(rnd() * (round % 10 === 0 ? 500 : 80));
      const share = [0, 0.1, 0.5, 1][round % 4]!;
      const v = Float64Array.from({ length: n }, () =>
        rnd() < share ? pool[Math.floor(rnd() * pool.length)]! : Math.round(rnd() * 1e4) / 100,
      );
      const q = round % 5 === 0 ? [0, 1, 0.5, 0.99][round % 4]! : rnd();
      const want = quantile(q, Array.from(v));
      const got = quantileOfRange(q, v, 0, n);
      if (!Object.is(got, want)) throw new Error(`q=${q} over ${Array.from(v)}: ${got} ≠ ${want}`);
    }
    expect(quantileOfRange(0.99, Float64Array.of(NaN, NaN, 4, 1), 0, 4)).toBe(
      quantile(0.99, [NaN, NaN, 4, 1]),
    );
    expect(quantileOfRange(0.5, Float64Array.of(NaN, NaN, NaN, 2), 0, 4)).toBeNaN();
  });

  it('finds ranks near either end in one pass as the sort does (φ 0.99, 0.95, 0.01 …, NaN first)', () => {
    let seed = 11;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pool = [NaN, 0, 1, 2, 2, -3.5, Infinity, -Infinity, 5];
    const qs = [0, 0.001, 0.01, 0.05, 0.95, 0.99, 0.999, 1];
    for (let round = 0; round < 6000; round++) {
      const n = 1 + (round % 70);
      const share = [0, 0.05, 0.3, 0.9][round % 4]!;
      const v = Float64Array.from({ length: n + 2 }, () =>
        rnd() < share ? pool[Math.floor(rnd() * pool.length)]! : Math.round(rnd() * 400) / 4,
      );
      const q = qs[Math.floor(rnd() * qs.length)]!;
      const want = quantile(q, Array.from(v.subarray(1, n + 1)));
      const got = quantileOfRange(q, v, 1, n + 1);
      if (!Object.is(got, want))
        throw new Error(`q=${q} over ${Array.from(v.subarray(1, n + 1))}: ${got} ≠ ${want}`);
    }
    expect(quantileOfRange(0.99, Float64Array.of(3, 9, 1, 7, 9, 2, 8), 0, 7)).toBe(9);
    expect(quantileOfRange(0.01, Float64Array.of(3, NaN, 1, 7, 0, 2, 8), 0, 7)).toBeNaN();
    expect(quantileOfRange(0.01, Float64Array.of(3, 1, 7, 0, 2, 8), 0, 6)).toBe(0.05);
    expect(Object.is(quantileOfRange(0, Float64Array.of(3, 0, 7, 1, 2, 8), 0, 6), 0)).toBe(true);
    expect(Object.is(quantileOfRange(0.99, Float64Array.of(3, -0, 7, 1, 2, 8), 0, 6), 7.95)).toBe(
      true,
    );
  });

  it('computes quantiles with interpolation and NaN first', () => {
    expect(quantile(0.5, [4, 1, 3, 2])).toBe(2.5);
    expect(quantile(0, [NaN, 1])).toBeNaN();
    expect(quantile(2, [1])).toBe(Infinity);
  });

  it('writes short decimals from integers with the same text as String(f) gives', () => {
    let seed = 3;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const check = (f: number): void => {
      if (formatFloat(f) !== formatFloatSlow(f))
        throw new Error(`${f}: ${formatFloat(f)} ≠ ${formatFloatSlow(f)}`);
    };
    for (let i = 0; i < 25_000; i++) {
      const scale = 10 ** Math.floor(rnd() * 8);
      const mag = 10 ** Math.floor(rnd() * 12 - 3);
      const x = (rnd() - 0.3) * mag;
      check(Math.round(x * scale) / scale); // a few decimals
      check(x); // full precision
      check(2 ** 30 - Math.floor(rnd() * 1000) / 1e6); // near the bound
      check(Math.floor(rnd() * 1e6) / 1e6 + Math.floor(rnd() * 2 ** 30));
    }
    for (const f of [0, -0, 1e-6, -1e-6, 5e-7, 0.1 + 0.2, 2 ** 30, -(2 ** 30), 1e21, 123.45])
      check(f);
    expect(formatFloat(-0)).toBe('0');
    expect(formatFloat(12.34)).toBe('12.34');
    expect(formatFloat(-0.000001)).toBe('-0.000001');
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
