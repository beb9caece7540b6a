/**
 * `ztsdb export` in its three formats from one deployment, `ztsdb import` of each into a fresh
 * one: both answer the same series, points and PromQL results. The data: a collector's series
 * (synthetic source), remote_write series with awkward label values (a backslash before n,
 * a real newline, quotes, commas) and special values.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeWriteRequestV1, snappyEncode } from '@ztsdb/ingest-formats';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, getJson, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

interface Stack {
  nats: NatsServer;
  http: string;
  env: Record<string, string>;
}

const data = tempDir('ztsdb-export-');
const stacks: Stack[] = [];

async function startStack(name: string, containers: number): Promise<Stack> {
  const nats = await NatsServer.start();
  const port = await freePort();
  const env = {
    NATS_URL: nats.url,
    ZTSDB_DATA_DIR: path.join(data.path, name),
    ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
    ZTSDB_SOURCE: 'synthetic',
    ZTSDB_SYNTHETIC_CONTAINERS: String(containers),
  };
  ZtsdbProcess.start(['all'], env);
  const http = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await getJson(`${http}/readyz`).catch(() => ({ status: 0 }))).status === 200,
    `stack ${name}`,
    30_000,
  );
  const s = { nats, http, env };
  stacks.push(s);
  return s;
}

async function run(args: string[], env: Record<string, string>): Promise<string> {
  const p = ZtsdbProcess.start(args, env);
  const code = await p.exit(60_000);
  if (code !== 0) throw new Error(`ztsdb ${args.join(' ')} exited ${code}:\n${p.output}`);
  return p.output;
}

const ALL = '{__name__=~".+"}';

/** Every point of every series in the range, by series name, windows joined. */
async function exported(s: Stack, start: number, end: number): Promise<unknown> {
  const res = await fetch(
    `${s.http}/api/v1/export?match[]=${encodeURIComponent(ALL)}&start=${start / 1000}&end=${end / 1000}`,
  );
  const byMetric = new Map<string, { values: unknown[]; timestamps: number[] }>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '') continue;
    const o = JSON.parse(line) as { metric: object; values: unknown[]; timestamps: number[] };
    const k = JSON.stringify(o.metric);
    const e = byMetric.get(k) ?? { values: [], timestamps: [] };
    e.values.push(...o.values);
    e.timestamps.push(...o.timestamps);
    byMetric.set(k, e);
  }
  return [...byMetric].sort(([a], [b]) => (a < b ? -1 : 1));
}

async function rangeQuery(s: Stack, q: string, start: number, end: number): Promise<unknown> {
  const r = await getJson(
    `${s.http}/api/v1/query_range?query=${encodeURIComponent(q)}&start=${start / 1000}&end=${end / 1000}&step=15`,
  );
  return r.body;
}

afterAll(async () => {
  await stopAllZtsdb();
  for (const s of stacks) await s.nats.stop();
  data.remove();
});

it('an export re-imported into a fresh deployment gives identical answers', async () => {
  const a = await startStack('a', 2);
  const now = Date.now();
  const T0 = now - 10 * 60_000;
  const series = [
    {
      labels: [
        ['__name__', 'app_requests_total'],
        ['msg', 'line one\nline "two", three'],
        ['path', 'C:\\new'],
      ] as Array<[string, string]>,
      samples: Array.from({ length: 30 }, (_, i) => [T0 + i * 15_000, i * 3] as [number, number]),
    },
    {
      labels: [
        ['__name__', 'app_temperature'],
        ['room', 'b'],
      ] as Array<[string, string]>,
      samples: [
        [T0, 21.5],
        [T0 + 15_000, NaN],
        [T0 + 30_000, Infinity],
        [T0 + 45_000, -0.125],
      ] as Array<[number, number]>,
    },
  ];
  const w = await fetch(`${a.http}/api/v1/write`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    body: new Uint8Array(snappyEncode(encodeWriteRequestV1(series))),
  });
  expect(w.status).toBe(204);
  // A few collector ticks inside the range.
  await new Promise((r) => setTimeout(r, 4000));
  const T1 = Date.now() - 1000;
  const before = await waitFor(
    async () => {
      const e = (await exported(a, T0, T1)) as unknown[];
      return e.length >= 2 + 2 * 10 ? e : undefined;
    },
    'the data in deployment a',
    20_000,
  );

  // The command line once (JSON lines, with its progress line), the HTTP API for the others.
  const files: Record<string, string> = {
    json: path.join(data.path, 'export.jsonl'),
    prometheus: path.join(data.path, 'export.prom'),
    csv: path.join(data.path, 'export.csv'),
  };
  const range = ['--start', String(T0 / 1000), '--end', String(T1 / 1000)];
  const out = await run(['export', ALL, ...range, '--out', files.json!], a.env);
  expect(out).toMatch(/export: \d+ series, [\d,]+ lines, [\d.]+ KiB/);
  for (const format of ['prometheus', 'csv']) {
    const res = await fetch(
      `${a.http}/api/v1/export?match[]=${encodeURIComponent(ALL)}&start=${T0 / 1000}&end=${T1 / 1000}&format=${format}`,
    );
    expect(res.status).toBe(200);
    fs.writeFileSync(files[format]!, await res.text());
  }
  expect(fs.readFileSync(files.prometheus!, 'utf8')).toContain(
    `app_requests_total{msg="line one\\nline \\"two\\", three",path="C:\\\\new"} 3 ${T0 + 15_000}\n`,
  );
  expect(fs.readFileSync(files.csv!, 'utf8')).toMatch(/^series_name,timestamp_ms,value\n/);

  const b = await startStack('b', 0);
  const queries = [
    'sum by (__name__) (count_over_time({__name__=~".+"}[1m]))',
    'app_requests_total',
  ];
  const wantQueries = await Promise.all(queries.map((q) => rangeQuery(a, q, T0, T1)));
  // Each format on its own would do; one after the other they must also agree point for point.
  for (const format of ['prometheus', 'json', 'csv']) {
    await run(['import', files[format]!], b.env);
    let after: unknown;
    await waitFor(
      async () => {
        after = await exported(b, T0, T1);
        return JSON.stringify(after) === JSON.stringify(before);
      },
      `the ${format} import answered in deployment b`,
      20_000,
    ).catch(() => undefined);
    expect(after).toEqual(before);
  }
  for (const [i, q] of queries.entries())
    expect(await rangeQuery(b, q, T0, T1)).toEqual(wantQueries[i]);

  const noMatch = await fetch(`${a.http}/api/v1/export`);
  expect([noMatch.status, await noMatch.text()]).toEqual([400, 'missing match[] parameter\n']);
  const badFormat = await fetch(`${a.http}/api/v1/export?match[]=up&format=xml`);
  expect(badFormat.status).toBe(400);
  const badSelector = await fetch(
    `${a.http}/api/v1/export?match[]=${encodeURIComponent('rate(x[1m])')}`,
  );
  expect(await badSelector.text()).toMatch(/is not a series selector/);
}, 150_000);
