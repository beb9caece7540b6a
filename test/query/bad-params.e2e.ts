import { SUBJECT_QUERY } from '@ztsdb/bus';
import { QueryBed } from './query-bed';

const NAME = 'container.cpu.usage.cccccccccccc';
const KEYS = ['series', 'match', 'match[]', 'start', 'end', 'step', 'agg', 'by', 'lookback'];
const ODD: unknown[] = [null, true, { a: 1 }, [], [null], [1], [{}]];

describe('parameters of odd types', () => {
  let bed: QueryBed;

  beforeAll(async () => {
    bed = await QueryBed.start();
    await bed.add(
      NAME,
      { __name__: 'container_cpu_usage', container_id: 'cccccccccccc' },
      [Date.now() - 1000],
      [1],
    );
    await bed.registered(1);
  });

  afterAll(async () => {
    await bed?.stop();
  });

  const nats = async (body: unknown): Promise<{ error?: string; code?: string; status?: number }> =>
    JSON.parse(
      (await bed.nc.request(SUBJECT_QUERY, JSON.stringify(body), { timeout: 10_000 })).string(),
    );

  it('answers the reported request 400 ZTSDB_BAD_PARAM naming "step"', async () => {
    const r = await nats({ step: null, match: ['container.cpu.*'], start: '-3s' });
    expect(r.code).toBe('ZTSDB_BAD_PARAM');
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/parameter "step"/);
  });

  it('answers 400 naming the parameter for every key and odd type over NATS', async () => {
    const wrong: string[] = [];
    for (const key of KEYS) {
      for (const v of [...ODD, ...(key === 'match' || key === 'match[]' ? [] : [['a', 'b']])]) {
        const base: Record<string, unknown> =
          key === 'series' ? { start: '-1h' } : { series: NAME };
        if (key === 'match' || key === 'match[]') delete base.series;
        const r = await nats({ ...base, [key]: v });
        if (r.status !== 400 || r.code !== 'ZTSDB_BAD_PARAM' || !r.error?.includes(`"${key}"`))
          wrong.push(`${key}=${JSON.stringify(v)}: ${JSON.stringify(r)}`);
      }
    }
    // A series listing ({"match": …} alone) too.
    for (const v of ODD) {
      const r = await nats({ match: v });
      if (r.status !== 400 || !r.error?.includes('"match"'))
        wrong.push(`list match=${JSON.stringify(v)}: ${JSON.stringify(r)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers 400 naming a parameter given twice over HTTP', async () => {
    for (const key of ['series', 'start', 'end', 'step', 'agg', 'by', 'lookback']) {
      const first = key === 'series' ? '' : `series=${NAME}&`;
      const r = await fetch(`${bed.http}/query?${first}${key}=1&${key}=2`);
      expect(r.status).toBe(400);
      const body = (await r.json()) as { error: string; code: string };
      expect(body.code).toBe('ZTSDB_BAD_PARAM');
      expect(body.error).toContain(`"${key}"`);
    }
    const s = await fetch(`${bed.http}/series?match=a&match=b`);
    expect(s.status).toBe(400);
    expect(((await s.json()) as { error: string }).error).toContain('"match"');
  });
});
