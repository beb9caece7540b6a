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
});
