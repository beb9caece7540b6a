// Over 400 lines: every case shares one QueryBed (a nats-server, a partition owner and a
// `ztsdb query` process); split into files, each would start its own within the suite's
// 20-minute budget.
/**
 * The Prometheus v1 read API of a `ztsdb query` process over a real nats-server, with series
 * in the registry and their points served by a partition owner: exact shapes, Prometheus's
 * errors, the limits, the bearer token, and the same PromQL over NATS ztsdb.query.
 */
import { ZtsdbProcess } from '../support/ztsdb-process';
import { QueryBed } from './query-bed';

/** Answers are JSON of many shapes; the tests read them loosely and compare exactly. */
type Json = ReturnType<typeof JSON.parse>;

const TOKEN = 'prom-api-test-secret-token';
const T0 = 1_700_000_000_000;
const STEP = 15_000;
const N = 41; // ten minutes at 15 s
const ts = Array.from({ length: N }, (_, i) => T0 + i * STEP);
const at = (ms: number): string => String(ms / 1000);
const END = T0 + 600_000;

let bed: QueryBed;
const auth = { authorization: `Bearer ${TOKEN}` };

async function get(path: string): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${bed.http}${path}`, { headers: auth });
  return { status: r.status, body: await r.json() };
}

async function post(
  path: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Json }> {
  const r = await fetch(`${bed.http}${path}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: r.status, body: await r.json() };
}

const q = (query: string, time = END): string =>
  `/api/v1/query?query=${encodeURIComponent(query)}&time=${at(time)}`;

beforeAll(async () => {
  bed = await QueryBed.start({
    ZTSDB_HTTP_TOKEN: TOKEN,
    ZTSDB_PROMQL_MAX_SAMPLES: '1000',
    ZTSDB_QUERY_TIMEOUT_MS: '20000',
  });
  const containers = [
    { id: 'aaaaaaaaaaaa', image: 'nginx', name: 'web-1' },
    { id: 'bbbbbbbbbbbb', image: 'redis', name: 'cache-1' },
  ];
  for (const [k, c] of containers.entries()) {
    const labels = { container_id: c.id, image: c.image, container_name: c.name };
    await bed.add(
      `container.cpu.usage.${c.id}`,
      { ...labels, __name__: 'container_cpu_usage' },
      ts,
      ts.map((_, i) => (k + 1) * i),
    );
    await bed.add(
      `container.memory.bytes.${c.id}`,
      { ...labels, __name__: 'container_memory_bytes' },
      ts,
      ts.map(() => (k === 0 ? NaN : Infinity)),
    );
  }
  // The registry is followed by a watch: wait until the service sees all four.
  const deadline = Date.now() + 10_000;
  while ((await get('/api/v1/series?match[]={__name__=~".%2B"}')).body.data?.length !== 4) {
    if (Date.now() > deadline) throw new Error('the query service did not see the series');
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await bed?.stop();
});

describe('/api/v1/query', () => {
  it('answers an instant vector in Prometheus shape', async () => {
    const r = await get(q('sum by (image) (container_cpu_usage)'));
    expect(r).toEqual({
      status: 200,
      body: {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            { metric: { image: 'nginx' }, value: [END / 1000, '40'] },
            { metric: { image: 'redis' }, value: [END / 1000, '80'] },
          ],
        },
      },
    });
  });

  it('writes NaN and +Inf as Prometheus does, and scalars', async () => {
    const r = await get(q('sort_desc(container_memory_bytes)'));
    expect(r.body.data.result.map((s: Json) => s.value[1])).toEqual(['+Inf', 'NaN']);
    expect((await get(q('1+1'))).body.data).toEqual({
      resultType: 'scalar',
      result: [END / 1000, '2'],
    });
  });

  it('applies rate() over the merged points', async () => {
    const r = await get(q('rate(container_cpu_usage{image="redis"}[1m])'));
    // redis climbs by 2 every 15 s: 2/15 per second
    expect(Number(r.body.data.result[0].value[1])).toBeCloseTo(2 / 15, 9);
  });

  it('takes a form-encoded POST like a GET', async () => {
    const r = await post('/api/v1/query', { query: 'count(container_cpu_usage)', time: at(END) });
    expect(r.body.data.result).toEqual([{ metric: {}, value: [END / 1000, '2'] }]);
  });

  it('answers 400 bad_data for a query that does not parse, with the position', async () => {
    expect(await get(q('sum(container_cpu_usage'))).toEqual({
      status: 400,
      body: {
        status: 'error',
        errorType: 'bad_data',
        error: expect.stringMatching(/^1:\d+: parse error/),
      },
    });
    expect((await get('/api/v1/query?query=up&time=soon')).body).toEqual({
      status: 'error',
      errorType: 'bad_data',
      error: 'invalid parameter "time": cannot parse "soon" to a valid timestamp',
    });
  });

  it('answers 422 execution for many-to-many matching', async () => {
    const r = await get(q('container_cpu_usage + on() container_memory_bytes'));
    expect(r.status).toBe(422);
    expect(r.body.errorType).toBe('execution');
  });
});

describe('/api/v1/query_range', () => {
  it('answers a matrix, one point per step', async () => {
    const r = await get(
      `/api/v1/query_range?query=${encodeURIComponent('container_cpu_usage{image="nginx"}')}&start=${at(T0)}&end=${at(T0 + 120_000)}&step=60`,
    );
    expect(r.body).toEqual({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: {
              __name__: 'container_cpu_usage',
              container_id: 'aaaaaaaaaaaa',
              container_name: 'web-1',
              image: 'nginx',
            },
            values: [
              [T0 / 1000, '0'],
              [T0 / 1000 + 60, '4'],
              [T0 / 1000 + 120, '8'],
            ],
          },
        ],
      },
    });
  });

  it('refuses more than 11,000 points per series, a bad step and end before start', async () => {
    const base = `/api/v1/query_range?query=up&start=${at(T0)}`;
    expect(await get(`${base}&end=${at(T0 + 11_001_000)}&step=1`)).toEqual({
      status: 400,
      body: {
        status: 'error',
        errorType: 'bad_data',
        error:
          'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      },
    });
    expect((await get(`${base}&end=${at(T0 + 60_000)}&step=0`)).body.error).toBe(
      'zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
    expect((await get(`${base}&end=${at(T0 - 1000)}&step=1`)).body.error).toBe(
      'end timestamp must not be before start time',
    );
    expect((await get(`${base}&end=${at(T0)}`)).body.error).toBe(
      'invalid parameter "step": cannot parse "" to a valid duration',
    );
  });

  it('stops a query over ZTSDB_PROMQL_MAX_SAMPLES with 422', async () => {
    const r = await get(
      `/api/v1/query_range?query=container_cpu_usage&start=${at(T0)}&end=${at(END)}&step=1`,
    );
    expect(r).toEqual({
      status: 422,
      body: {
        status: 'error',
        errorType: 'execution',
        error: 'query processing would load too many samples into memory in query execution',
      },
    });
  });
});

describe('series, labels and metadata', () => {
  it('lists series by match[], and needs one', async () => {
    const r = await get(`/api/v1/series?match[]=${encodeURIComponent('{image="redis"}')}`);
    expect(r.body.data).toHaveLength(2);
    expect(r.body.data[0]).toEqual({
      __name__: 'container_cpu_usage',
      container_id: 'bbbbbbbbbbbb',
      container_name: 'cache-1',
      image: 'redis',
    });
    expect((await get('/api/v1/series')).body).toEqual({
      status: 'error',
      errorType: 'bad_data',
      error: 'no match[] parameter provided',
    });
  });

  it('lists label names and values', async () => {
    expect((await get('/api/v1/labels')).body).toEqual({
      status: 'success',
      data: ['__name__', 'container_id', 'container_name', 'image'],
    });
    expect((await get('/api/v1/label/__name__/values')).body.data).toEqual([
      'container_cpu_usage',
      'container_memory_bytes',
    ]);
    expect(
      (
        await get(
          `/api/v1/label/image/values?match[]=${encodeURIComponent('{container_name="web-1"}')}`,
        )
      ).body.data,
    ).toEqual(['nginx']);
  });

  it('gives type, help and unit of our metrics, build info and no exemplars', async () => {
    expect((await get('/api/v1/metadata?metric=container_cpu_usage')).body).toEqual({
      status: 'success',
      data: {
        container_cpu_usage: [
          { type: 'gauge', help: 'CPU time as percent of one core', unit: 'percent' },
        ],
      },
    });
    const info = (await get('/api/v1/status/buildinfo')).body;
    expect(info.status).toBe('success');
    expect(typeof info.data.version).toBe('string');
    expect((await get('/api/v1/query_exemplars?query=up')).body).toEqual({
      status: 'success',
      data: [],
    });
  });
});

describe('guard and NATS', () => {
  it('needs the bearer token on every /api/v1 endpoint', async () => {
    for (const path of ['/api/v1/query?query=1', '/api/v1/labels', '/api/v1/status/buildinfo']) {
      expect((await fetch(`${bed.http}${path}`)).status).toBe(401);
    }
  });

  it('answers {"promql": …} on ztsdb.query with the same JSON as HTTP', async () => {
    const ask = async (req: object): Promise<string> =>
      Buffer.from(
        (await bed.nc.request('ztsdb.query', JSON.stringify(req), { timeout: 10_000 })).data,
      ).toString();
    const query = 'sum by (image) (container_cpu_usage)';
    const http = await fetch(`${bed.http}${q(query)}`, { headers: auth }).then((r) => r.text());
    expect(await ask({ promql: query, time: END / 1000 })).toBe(http);
    const range = JSON.parse(
      await ask({ promql: query, start: T0 / 1000, end: END / 1000, step: '60s' }),
    );
    expect(range.data.resultType).toBe('matrix');
    expect(range.data.result[0].values).toHaveLength(11);
    expect(JSON.parse(await ask({ promql: 'sum(' }))).toMatchObject({
      status: 'error',
      errorType: 'bad_data',
    });
  });
});

describe('ztsdb query with PromQL', () => {
  const cli = async (...args: string[]): Promise<string> => {
    const p = ZtsdbProcess.start(['query', ...args], { NATS_URL: bed.server.url });
    expect(await p.exit()).toBe(0);
    return p.output;
  };

  it('runs an instant query when the text is PromQL, and prints the vector', async () => {
    const out = await cli('sum by (image) (container_cpu_usage)', '--time', String(END));
    expect(out).toBe('{image="nginx"}  40\n{image="redis"}  80\n');
  });

  it('runs a range query with --promql and --step, answering the API JSON with --json', async () => {
    const out = await cli(
      '--promql',
      'container_cpu_usage{image="nginx"}',
      '--start',
      String(T0),
      '--end',
      String(T0 + 60_000),
      '--step',
      '30s',
      '--json',
    );
    const body = JSON.parse(out) as Json;
    expect(body.data.result[0].values).toEqual([
      [T0 / 1000, '0'],
      [T0 / 1000 + 30, '2'],
      [T0 / 1000 + 60, '4'],
    ]);
  });
});

/**
 * What Grafana's Prometheus data source sends (Grafana 10/11, HTTP method POST, the default):
 * "Save & test" asks buildinfo and runs `1+1` as an instant query; the query editor's metric
 * browser asks label names, `__name__` values, values of a label under a selector, series and
 * metadata; a panel runs query_range as a POST form with step in seconds.
 */
describe("the requests Grafana's Prometheus data source sends", () => {
  const range = { start: at(T0), end: at(END) };

  it('Save & test: buildinfo, then 1+1 as an instant POST', async () => {
    expect((await get('/api/v1/status/buildinfo')).status).toBe(200);
    const r = await post('/api/v1/query', { query: '1+1', time: at(END) });
    expect(r.body).toEqual({
      status: 'success',
      data: { resultType: 'scalar', result: [END / 1000, '2'] },
    });
  });

  it('metric browser: labels, __name__ values, label values under a selector, series, metadata', async () => {
    expect((await post('/api/v1/labels', range)).body.data).toContain('image');
    expect(
      (await get(`/api/v1/label/__name__/values?start=${range.start}&end=${range.end}`)).body.data,
    ).toEqual(['container_cpu_usage', 'container_memory_bytes']);
    const sel = encodeURIComponent('container_cpu_usage');
    expect(
      (
        await get(
          `/api/v1/label/container_name/values?match[]=${sel}&start=${range.start}&end=${range.end}`,
        )
      ).body.data,
    ).toEqual(['cache-1', 'web-1']);
    const series = await post('/api/v1/series', { 'match[]': 'container_cpu_usage', ...range });
    expect(series.body.data).toHaveLength(2);
    const meta = (await get('/api/v1/metadata')).body;
    expect(meta.data.container_memory_bytes).toEqual([
      { type: 'gauge', help: 'Current memory usage', unit: 'bytes' },
    ]);
  });

  it('a panel: query_range as a POST form, step in seconds', async () => {
    const r = await post('/api/v1/query_range', {
      query: 'sum by (image) (rate(container_cpu_usage[1m]))',
      start: at(T0 + 120_000),
      end: at(END),
      step: '120',
    });
    expect(r.status).toBe(200);
    expect(r.body.data.resultType).toBe('matrix');
    expect(r.body.data.result.map((s: Json) => s.metric)).toEqual([
      { image: 'nginx' },
      { image: 'redis' },
    ]);
    expect(r.body.data.result[0].values).toHaveLength(5);
    expect(Number(r.body.data.result[1].values[0][1])).toBeCloseTo(2 / 15, 9);
  });
});

/** Last in the file: it adds a series the tests above do not expect. */
describe('series, labels and label values honour start and end', () => {
  const OLD_END = T0 - 3_600_000;
  const old = Array.from({ length: 10 }, (_, i) => OLD_END - 600_000 + i * 60_000);
  const values = async (path: string): Promise<string[]> => (await get(path)).body.data;
  const cpu = encodeURIComponent('container_cpu_usage');

  beforeAll(async () => {
    // A container gone an hour before the others' data starts, with a label only it has.
    await bed.add(
      'container.cpu.usage.cccccccccccc',
      {
        __name__: 'container_cpu_usage',
        container_id: 'cccccccccccc',
        image: 'busybox',
        pod: 'batch-1',
      },
      old,
      old.map((_, i) => i),
    );
    const deadline = Date.now() + 10_000;
    while ((await get('/api/v1/series?match[]={__name__=~".%2B"}')).body.data?.length !== 5) {
      if (Date.now() > deadline) throw new Error('the query service did not see the series');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('leaves out series without samples in the range; all time by default', async () => {
    const ids = async (range: string): Promise<string[]> =>
      ((await get(`/api/v1/series?match[]=${cpu}${range}`)).body.data as Json[])
        .map((s) => s.container_id)
        .sort();
    expect(await ids('')).toEqual(['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc']);
    expect(await ids(`&start=${at(T0)}&end=${at(END)}`)).toEqual(['aaaaaaaaaaaa', 'bbbbbbbbbbbb']);
    expect(await ids(`&start=${at(T0)}`)).toEqual(['aaaaaaaaaaaa', 'bbbbbbbbbbbb']);
    expect(await ids(`&end=${at(OLD_END)}`)).toEqual(['cccccccccccc']);
    // Both ends are in: the old series' last sample is at OLD_END - 60 s, the others' first at T0.
    expect(await ids(`&start=${at(OLD_END - 60_000)}&end=${at(T0)}`)).toEqual([
      'aaaaaaaaaaaa',
      'bbbbbbbbbbbb',
      'cccccccccccc',
    ]);
    expect(await ids(`&start=${at(OLD_END - 59_999)}&end=${at(T0 - 1)}`)).toEqual([]);
  });

  it('label names and values come from the series in the range', async () => {
    expect(await values('/api/v1/labels')).toContain('pod');
    expect(await values(`/api/v1/labels?start=${at(T0)}&end=${at(END)}`)).not.toContain('pod');
    expect(await values(`/api/v1/labels?end=${at(OLD_END)}`)).toEqual([
      '__name__',
      'container_id',
      'image',
      'pod',
    ]);
    expect(await values('/api/v1/label/image/values')).toEqual(['busybox', 'nginx', 'redis']);
    expect(
      await values(`/api/v1/label/image/values?start=${at(T0 + 60_000)}&end=${at(END)}`),
    ).toEqual(['nginx', 'redis']);
    const r = await post('/api/v1/label/image/values', {
      start: at(T0 - 7_200_000),
      end: at(OLD_END),
    });
    expect(r.body.data).toEqual(['busybox']);
  });

  it('refuses an end before the start, as Prometheus', async () => {
    expect(await get(`/api/v1/labels?start=${at(END)}&end=${at(T0)}`)).toEqual({
      status: 400,
      body: {
        status: 'error',
        errorType: 'bad_data',
        error: 'invalid parameter "end": end timestamp must not be before start time',
      },
    });
  });
});
