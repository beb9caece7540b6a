import { requestAnswer, SUBJECT_QUERY } from '@ztsdb/bus';
import { splitAnswer } from '@ztsdb/wire';
import { askQuery } from '../../apps/cli/src/client-commands';
import { QueryBed } from './query-bed';

const NOW = Date.now();
/** 60,000 points at 1 s (about 17 h): some 1.6 MB of JSON, over the default 1 MB max_payload. */
const N = 60_000;
const LONG = 'container.cpu.usage.aaaaaaaaaaaa';
const SHORT = 'container.cpu.usage.bbbbbbbbbbbb';

describe('ztsdb.query answers over the server max_payload', () => {
  let bed: QueryBed;
  const ts = Float64Array.from({ length: N }, (_, i) => NOW - (N - i) * 1000);
  const vs = Float64Array.from({ length: N }, (_, i) => i * 0.25 + 0.125);

  beforeAll(async () => {
    bed = await QueryBed.start();
    await bed.add(LONG, { __name__: 'container_cpu_usage', container_id: 'aaaaaaaaaaaa' }, ts, vs);
    await bed.add(
      SHORT,
      { __name__: 'container_cpu_usage', container_id: 'bbbbbbbbbbbb' },
      [NOW - 1000],
      [7],
    );
    await bed.registered(2);
  });

  afterAll(async () => {
    await bed?.stop();
  });

  const ask = async (body: unknown): Promise<{ text: string; headers: boolean }> => {
    const r = await bed.nc.request(SUBJECT_QUERY, JSON.stringify(body), { timeout: 10_000 });
    return { text: r.string(), headers: r.headers !== undefined };
  };

  it('answers a plain request for a small answer with plain JSON', async () => {
    const r = await ask({ series: SHORT, start: '-1h' });
    expect(r.headers).toBe(false);
    expect(JSON.parse(r.text)).toEqual({ series: SHORT, points: [[NOW - 1000, 7]] });
  });

  it('refuses a large answer to a plain request with the size, the limit and what to do, and lives on', async () => {
    const r = await ask({ series: LONG, start: '-2d' });
    const body = JSON.parse(r.text) as { error: string; code: string; status: number };
    expect(body.code).toBe('ZTSDB_TOO_LARGE');
    expect(body.status).toBe(413);
    expect(body.error).toMatch(
      /the answer is \d+ bytes, over the NATS server's max_payload of 1048576/,
    );
    expect(body.error).toMatch(/ztsdb query/);
    expect(body.error).toMatch(/Ztsdb-Accept-Parts/);
    // Still answering, over NATS and HTTP.
    expect(JSON.parse((await ask({ series: SHORT, start: '-1h' })).text).points).toHaveLength(1);
    expect((await fetch(`${bed.http}/healthz`)).status).toBe(200);
  });

  it('gives the CLI client the whole large answer in parts, the same as HTTP', async () => {
    const viaNats = await askQuery(bed.nc, { series: LONG, start: '-2d' });
    expect(viaNats.points).toHaveLength(N);
    expect(viaNats.points![0]).toEqual([ts[0], vs[0]]);
    expect(viaNats.points![N - 1]).toEqual([ts[N - 1], vs[N - 1]]);
    const viaHttp = await (await fetch(`${bed.http}/query?series=${LONG}&start=-2d`)).json();
    expect(viaNats).toEqual(viaHttp);
  });

  it('lists series through the same client', async () => {
    const listed = await askQuery(bed.nc, { match: '*' });
    expect((listed.series as unknown[]).length).toBe(2);
  });

  it('tells the client which parts did not come, and when nobody answers', async () => {
    const sub = bed.nc.subscribe('test.partial', {
      callback: (_e, m) => {
        const parts = splitAnswer(Buffer.alloc(5000, 32), 1512);
        m.respond(parts[1]!.data, { headers: parts[1]!.headers });
      },
    });
    try {
      await expect(requestAnswer(bed.nc, 'test.partial', '{}', 500)).rejects.toThrow(
        /4 of 5 answer parts not received within 500 ms \(missing parts 1, 3, 4, 5\)/,
      );
      await expect(requestAnswer(bed.nc, 'test.nobody', '{}', 5000)).rejects.toThrow(
        /no responders on test.nobody/,
      );
    } finally {
      sub.unsubscribe();
    }
  });
});
