import { answerJson, pointsJson } from './answer-json';

const pts = (ts: number[], vs: number[]) => ({
  timestamps: Float64Array.from(ts),
  values: Float64Array.from(vs),
});

describe('answer JSON', () => {
  it('writes points as JSON.stringify would, with non-finite values as strings', () => {
    const ts = [
      0,
      5,
      999_999,
      1_000_000,
      1_000_001,
      1_796_054_400_000,
      1_796_054_400_007,
      1_796_054_400_090,
      1_796_054_400_900,
      1_796_054_409_000,
      1_796_054_490_000,
      1_796_054_900_000,
      1_796_055_000_000,
      -1000,
      1.5,
      2 ** 53 + 2,
    ];
    const vs = [
      1,
      1,
      -0,
      0,
      0.1 + 0.2,
      1e21,
      1e-7,
      -5.5,
      -5.5,
      123456.789,
      NaN,
      Infinity,
      -Infinity,
      7,
      7,
      3,
    ];
    const want = ts.map((t, i) => {
      const v = vs[i]!;
      return [
        t,
        v === 0 ? 0 : Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf',
      ];
    });
    const text = pointsJson(pts(ts, vs));
    expect(JSON.parse(text)).toEqual(want);
    expect(text).toBe(JSON.stringify(want));
    expect(pointsJson(pts([], []))).toBe('[]');
  });

  it('writes a whole answer that parses back', () => {
    const a = answerJson({
      kind: 'single',
      series: 'container.cpu.usage.abc123def456',
      points: pts([1_796_054_400_000], [2.5]),
      missingPartitions: [{ partition: 1, reason: 'no ingestor owns it' }],
    });
    expect(JSON.parse(a)).toEqual({
      series: 'container.cpu.usage.abc123def456',
      points: [[1_796_054_400_000, 2.5]],
      missingPartitions: [{ partition: 1, reason: 'no ingestor owns it' }],
    });
  });

  it('writes every number with the text String gives it', () => {
    // A seeded generator: decimals of every scale, integers, and arbitrary doubles.
    let seed = 12345;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const vs: number[] = [
      0.1,
      0.2,
      0.3,
      1e-6,
      9.99e-7,
      0.000123,
      99.99,
      10 - 2 ** -49,
      1e15,
      2 ** 50 - 1,
      2 ** 50,
      2 ** 53,
      123456789.123,
      -0.5,
      -1e-6,
      1 / 3,
      2 / 3,
      Math.PI,
      5e-324,
      1.7976931348623157e308,
    ];
    for (let i = 0; i < 20_000; i++) {
      const digits = Math.floor(rnd() * 10);
      const scale = 10 ** Math.floor(rnd() * 12 - 4);
      const dec = Math.round(rnd() * 10 ** digits) / 10 ** digits;
      vs.push(
        (rnd() < 0.5 ? -1 : 1) * dec * scale,
        rnd() * 1e6,
        (rnd() - 0.5) * 2 ** (rnd() * 120 - 60),
      );
    }
    const ts = vs.map((_, i) => i);
    const text = pointsJson(pts(ts, vs));
    expect(text).toBe(JSON.stringify(ts.map((t, i) => [t, vs[i]])));
  });

  it('writes long runs of millisecond timestamps across buffer growth', () => {
    const ts = Array.from({ length: 50_000 }, (_, i) => 1_796_054_400_000 + i * 1000 + (i % 7));
    const vs = ts.map((_, i) => (i % 3 === 0 ? 42.5 : i / 8));
    const text = pointsJson(pts(ts, vs));
    expect(text).toBe(JSON.stringify(ts.map((t, i) => [t, vs[i]])));
  });
});
