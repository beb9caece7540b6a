import { SUBJECT_QUERY } from '@ztsdb/bus';
import { QueryBed } from './query-bed';

const SMALL = 'container.cpu.usage.dddddddddddd';
const BIG = 'container.cpu.usage.eeeeeeeeeeee';
const NOW = Date.now();

describe('query limits', () => {
  let bed: QueryBed;

  beforeAll(async () => {
    bed = await QueryBed.start({
      ZTSDB_QUERY_MAX_CONCURRENT: '1',
      ZTSDB_QUERY_MAX_QUEUED: '1',
      ZTSDB_QUERY_MAX_BYTES: '100000',
      ZTSDB_HOT_TIMEOUT_MS: '1500',
    });
    const ts = (n: number): number[] => Array.from({ length: n }, (_, i) => NOW - (n - i) * 1000);
    await bed.add(
      SMALL,
      { __name__: 'container_cpu_usage', container_id: 'dddddddddddd' },
      ts(100),
      ts(100).map(() => 1),
    );
    // 10,000 points: 160 kB in memory, over the 100 kB budget.
    await bed.add(
      BIG,
      { __name__: 'container_cpu_usage', container_id: 'eeeeeeeeeeee' },
      ts(10_000),
      ts(10_000).map(() => 2),
    );
    await bed.registered(2);
  });

  afterAll(async () => {
    await bed?.stop();
  });

  const nats = async (
    body: unknown,
  ): Promise<{ code?: string; status?: number; error?: string; points?: unknown[] }> =>
    (await bed.nc.request(SUBJECT_QUERY, JSON.stringify(body), { timeout: 20_000 })).json();

  it('answers past ZTSDB_QUERY_MAX_CONCURRENT and the queue 503 ZTSDB_BUSY, with Retry-After on HTTP', async () => {
    // A silent partition owner keeps each query in flight for ZTSDB_HOT_TIMEOUT_MS.
    bed.owner.silent = true;
    try {
      const url = `${bed.http}/query?series=${SMALL}&start=-1h`;
      const answers = await Promise.all([fetch(url), fetch(url), fetch(url)]);
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 503]);
      const busy = answers.find((r) => r.status === 503)!;
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(((await busy.json()) as { code: string }).code).toBe('ZTSDB_BUSY');
      for (const r of answers.filter((r) => r.status === 200))
        expect(
          ((await r.json()) as { missingPartitions: unknown[] }).missingPartitions,
        ).toHaveLength(1);

      const viaNats = await Promise.all([0, 1, 2].map(() => nats({ series: SMALL, start: '-1h' })));
      const refused = viaNats.filter((a) => a.code === 'ZTSDB_BUSY');
      expect(refused).toHaveLength(1);
      expect(refused[0]!.status).toBe(503);
      expect(refused[0]!.error).toMatch(/ZTSDB_QUERY_MAX_CONCURRENT=1/);
    } finally {
      bed.owner.silent = false;
    }
  });

  it('answers a query over ZTSDB_QUERY_MAX_BYTES 422 ZTSDB_LIMIT on HTTP and NATS, and smaller ones as before', async () => {
    const r = await fetch(`${bed.http}/query?series=${BIG}&start=-1d`);
    expect(r.status).toBe(422);
    const body = (await r.json()) as { code: string; error: string };
    expect(body.code).toBe('ZTSDB_LIMIT');
    expect(body.error).toMatch(/ZTSDB_QUERY_MAX_BYTES=100000/);
    const n = await nats({ series: BIG, start: '-1d' });
    expect(n.code).toBe('ZTSDB_LIMIT');
    expect(n.status).toBe(422);
    // A step keeps the answer small, but the points loaded still count.
    expect((await nats({ series: BIG, start: '-1d', step: '1h' })).code).toBe('ZTSDB_LIMIT');
    expect((await nats({ series: SMALL, start: '-1h' })).points).toHaveLength(100);
    const ok = await fetch(`${bed.http}/query?series=${SMALL}&start=-1h`);
    expect(ok.status).toBe(200);
  });
});
