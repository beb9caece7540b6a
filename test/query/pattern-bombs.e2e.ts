import { SUBJECT_QUERY } from '@ztsdb/bus';
import { QueryBed } from './query-bed';

/** Long names and 26-character metric names: what makes a backtracking engine take minutes. */
const COUNT = 10;
const name = (i: number): string => `bomb.${'a'.repeat(50)}.${i}`;
const metric = (i: number): string => `bomb_metric_value_${String(i).padStart(8, '0')}`;

describe('pattern bombs', () => {
  let bed: QueryBed;

  beforeAll(async () => {
    bed = await QueryBed.start({ ZTSDB_QUERY_TIMEOUT_MS: '5000' });
    for (let i = 0; i < COUNT; i++)
      await bed.add(
        name(i),
        { __name__: metric(i), container_id: `c${i}` },
        [Date.now() - 1000],
        [i],
      );
    await bed.registered(COUNT);
  });

  afterAll(async () => {
    await bed?.stop();
  });

  /** Sends the bomb, and meanwhile asks /healthz, which must answer; then the bomb's own answer. */
  async function healthzDuring(bomb: () => Promise<{ status: number; body: unknown }>): Promise<{
    status: number;
    body: unknown;
  }> {
    const pending = bomb();
    // Not a performance figure: far below the minutes a backtracking engine takes here.
    const health = await fetch(`${bed.http}/healthz`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    return pending;
  }

  const http = (path: string) => async (): Promise<{ status: number; body: unknown }> => {
    const r = await fetch(`${bed.http}${path}`);
    return { status: r.status, body: await r.json() };
  };

  it('a glob bomb on /series', async () => {
    const r = await healthzDuring(http(`/series?match=${encodeURIComponent('*******!')}`));
    if (r.status === 200) expect(r.body).toEqual({ series: [] });
    else expect([503, 422]).toContain(r.status);
    // The same glob without the impossible end finds every series.
    const all = await http(`/series?match=${encodeURIComponent('*******')}`)();
    expect((all.body as { series: unknown[] }).series).toHaveLength(COUNT);
  });

  it('a glob bomb on /query', async () => {
    const r = await healthzDuring(
      http(`/query?match=${encodeURIComponent('********!')}&start=-1h`),
    );
    if (r.status === 200) expect(r.body).toEqual({ result: [] });
    else expect([503, 422]).toContain(r.status);
  });

  it('a regex bomb in a selector, over HTTP and NATS', async () => {
    const sel = '{__name__=~"(.*.*)*!"}';
    const r = await healthzDuring(http(`/query?match=${encodeURIComponent(sel)}&start=-1h`));
    if (r.status === 200) expect(r.body).toEqual({ result: [] });
    else expect([503, 422]).toContain(r.status);
    const n = await healthzDuring(async () => {
      const m = await bed.nc.request(SUBJECT_QUERY, JSON.stringify({ match: sel, start: '-1h' }), {
        timeout: 60_000,
      });
      const body = m.json<{ status?: number }>();
      return { status: body.status ?? 200, body };
    });
    if (n.status === 200) expect(n.body).toEqual({ result: [] });
    else expect([503, 422]).toContain(n.status);
    // A regex that matches answers every series it should.
    const hit = await http(
      `/query?match=${encodeURIComponent('{__name__=~"(.*.*)*0+[0-4]"}')}&start=-1h`,
    )();
    expect((hit.body as { result: unknown[] }).result).toHaveLength(5);
  });
});
