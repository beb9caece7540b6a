import { mappingsOf, tempEntries } from '@ztsdb/testing';
import { loadSettings } from '@ztsdb/config';
import { releaseRequestWarmup, warmRequestPath } from './request-path-warmup';

const warmupDirs = (): string[] => tempEntries('ztsdb-warmup-');

/** This process's mappings of a warm-up file (removed from its folder, still mapped). */
const warmupMappings = (): string[] => mappingsOf('ztsdb-warmup-');

interface Matrix {
  status: string;
  data: {
    resultType: string;
    result: Array<{ metric: Record<string, string>; values: [number, string][] }>;
  };
}

describe('request-path warm-up (ZTSDB_QUERY_WARMUP_REQUESTS)', () => {
  const settings = loadSettings({ NATS_URL: 'nats://127.0.0.1:1' });

  afterEach(() => releaseRequestWarmup());

  it('answers every kind of dashboard request over its synthetic quarter of an hour, from the cold and the warm file', async () => {
    const before = warmupDirs();
    const report = await warmRequestPath(settings, 30);
    expect(report.requests).toBe(30);
    expect(report.busyMs).toBeGreaterThan(0);
    // Fifteen kinds; every answer was checked to be a success.
    expect(report.answers).toHaveLength(15);
    const oneContainer = JSON.parse(report.answers[0]!.toString('utf8')) as Matrix;
    expect(oneContainer.data.resultType).toBe('matrix');
    const [series] = oneContainer.data.result;
    expect(series!.metric.__name__).toBe('container_cpu_usage');
    // 15 minutes at 1 s: the first 10 from the cold file, the last 5 from the warm one.
    expect(series!.values).toHaveLength(900);
    expect(series!.values[0]![0]).toBe(Date.UTC(2024, 0, 1) / 1000);
    expect(series!.values[899]![0]).toBe(Date.UTC(2024, 0, 1) / 1000 + 899);
    const sum = JSON.parse(report.answers[3]!.toString('utf8')) as Matrix;
    expect(sum.data.result).toHaveLength(1);
    expect(sum.data.result[0]!.values).toHaveLength(30);
    const byImage = JSON.parse(report.answers[4]!.toString('utf8')) as Matrix;
    expect(byImage.data.result.map((r) => r.metric.image).sort()).toEqual([
      'warmup/image-0',
      'warmup/image-1',
    ]);
    // The native API: a series' points, and a sum over the cold file's minutes at 60 s.
    const points = JSON.parse(report.answers[11]!.toString('utf8')) as { points: unknown[] };
    expect(points.points).toHaveLength(900);
    const nativeSum = JSON.parse(report.answers[12]!.toString('utf8')) as {
      result: Array<{ series: number; points: unknown[] }>;
    };
    expect(nativeSum.result[0]!.series).toBe(40);
    expect(nativeSum.result[0]!.points).toHaveLength(10);
    // Its folder is gone at once; its files stay mapped (kept) until released.
    expect(warmupDirs()).toEqual(before);
    expect(warmupMappings().length).toBeGreaterThan(0);
    await releaseRequestWarmup();
    expect(warmupMappings()).toEqual([]);
  });

  it('stops when told to, leaving nothing behind', async () => {
    const before = warmupDirs();
    const report = await warmRequestPath(settings, 1000, () => true);
    expect(report.requests).toBe(0);
    await releaseRequestWarmup();
    expect(warmupDirs()).toEqual(before);
    expect(warmupMappings()).toEqual([]);
  });
});
