import {
  answerJson,
  answerJsonBuffer,
  answerJsonBufferAsync,
  pointsJson,
  type QueryAnswer,
} from './answer-json';
import { QueryBudget } from './query-budget';
import { QueryClock } from './query-clock';

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
      return [t, Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'];
    });
    const text = pointsJson(pts(ts, vs));
    expect(JSON.parse(text)).toEqual(want);
    // As JSON.stringify, except that -0 stays -0.
    expect(text).toBe(JSON.stringify(want).replace('[999999,0]', '[999999,-0]'));
    expect(Object.is(JSON.parse(text)[2][1], -0)).toBe(true);
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
    // As JSON.stringify, except that -0 stays -0.
    expect(text).toBe(
      `[${ts.map((t, i) => `[${t},${Object.is(vs[i], -0) ? '-0' : String(vs[i])}]`).join(',')}]`,
    );
  });

  it('writes long runs of millisecond timestamps across buffer growth', () => {
    const ts = Array.from({ length: 50_000 }, (_, i) => 1_796_054_400_000 + i * 1000 + (i % 7));
    const vs = ts.map((_, i) => (i % 3 === 0 ? 42.5 : i / 8));
    const text = pointsJson(pts(ts, vs));
    // As JSON.stringify, except that -0 stays -0.
    expect(text).toBe(
      `[${ts.map((t, i) => `[${t},${Object.is(vs[i], -0) ? '-0' : String(vs[i])}]`).join(',')}]`,
    );
  });

  it('round-trips -0, subnormals and the extremes exactly, and writes non-finite values as Prometheus does', () => {
    const vs = [
      -0,
      0,
      5e-324,
      -5e-324,
      2.225073858507201e-308,
      2.2250738585072014e-308,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.MIN_VALUE,
      Number.EPSILON,
      1 / 3,
      -1e-7,
    ];
    const text = pointsJson(
      pts(
        vs.map((_, i) => i),
        vs,
      ),
    );
    const back = (JSON.parse(text) as Array<[number, number]>).map((p) => p[1]);
    vs.forEach((v, i) => expect(Object.is(back[i], v)).toBe(true));
    expect(pointsJson(pts([1, 2, 3], [Infinity, -Infinity, NaN]))).toBe(
      '[[1,"+Inf"],[2,"-Inf"],[3,"NaN"]]',
    );
  });

  it('writes the same bytes when it pauses between slices, while other answers are written', async () => {
    const n = 100_000;
    const big = pts(
      Array.from({ length: n }, (_, i) => 1_796_054_400_000 + i * 1000),
      Array.from({ length: n }, (_, i) => (i % 7 === 0 ? -0 : i / 3)),
    );
    const a: QueryAnswer = {
      kind: 'multi',
      result: [
        { series: 'a', labels: { x: '1' } as Record<string, string>, points: big },
        { series: 'b', labels: {}, points: pts([], []) },
        { series: 'c', labels: {}, points: big },
      ],
    };
    // A clock that pauses after every slice, and writes another answer on the shared writer then.
    let pauses = 0;
    const clock = {
      due: () => true,
      pause: async () => {
        await Promise.resolve();
        answerJsonBuffer({ kind: 'single', series: 'o', points: pts([1, 2], [3, 4]) });
        pauses++;
      },
    } as unknown as QueryClock;
    const got = await answerJsonBufferAsync(a, new QueryBudget(1 << 30), clock);
    expect(pauses).toBeGreaterThanOrEqual(Math.ceil((2 * n) / 32_768));
    expect(got.equals(answerJsonBuffer(a))).toBe(true);
    await expect(
      answerJsonBufferAsync(a, new QueryBudget(100_000), new QueryClock(60_000)),
    ).rejects.toMatchObject({ code: 'ZTSDB_LIMIT' });
  });
});
