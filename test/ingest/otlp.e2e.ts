/**
 * OTLP/HTTP metrics from the OpenTelemetry JS SDK's own exporters (JSON and protobuf) into
 * ztsdb's POST /v1/metrics, then read back with PromQL under Prometheus's OTLP names.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, getJson, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

let server: NatsServer;
let http: string;
const data = tempDir('ztsdb-otlp-');

beforeAll(async () => {
  server = await NatsServer.start();
  const port = await freePort();
  http = `http://127.0.0.1:${port}`;
  ZtsdbProcess.start(['all'], {
    NATS_URL: server.url,
    ZTSDB_DATA_DIR: data.path,
    ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
    ZTSDB_SOURCE: 'synthetic',
    ZTSDB_SYNTHETIC_CONTAINERS: '0',
  });
  await waitFor(
    async () => (await getJson(`${http}/readyz`).catch(() => ({ status: 0 }))).status === 200,
    'the stack',
    30_000,
  );
});

afterAll(async () => {
  await stopAllZtsdb();
  await server?.stop();
  data.remove();
});

async function instant(
  q: string,
): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const r = await getJson(`${http}/api/v1/query?query=${encodeURIComponent(q)}`);
  return r.body?.data?.result ?? [];
}

/** The SDK in a child process (otel-client.cjs): one export, one more after a counter add. */
async function sdkExport(service: string, mode: 'json' | 'proto-delta'): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    [path.join(__dirname, 'otel-client.cjs'), `${http}/v1/metrics`, service, mode],
    { timeout: 30_000 },
  );
}

it.each([
  ['json, cumulative', 'svc-json', 'json'],
  ['protobuf, delta', 'svc-proto', 'proto-delta'],
] as const)('stores what the SDK exports (%s) under Prometheus names', async (_, service, mode) => {
  await sdkExport(service, mode);
  const job = `job="${service}",instance="${service}-1"`;
  const total = await waitFor(
    async () => {
      const r = await instant(`app_requests_total{${job}}`);
      return r[0]?.value[1] === '6' ? r : undefined;
    },
    `app_requests_total of ${service} at 6`,
    20_000,
  );
  expect(total[0]!.metric).toEqual({
    __name__: 'app_requests_total',
    job: service,
    instance: `${service}-1`,
    route: '/a',
  });
  const buckets = await instant(`http_server_duration_milliseconds_bucket{${job}}`);
  expect(Object.fromEntries(buckets.map((b) => [b.metric.le, b.value[1]]))).toEqual({
    '10': '1',
    '100': '3',
    '+Inf': '4',
  });
  expect((await instant(`http_server_duration_milliseconds_count{${job}}`))[0]?.value[1]).toBe('4');
  expect((await instant(`http_server_duration_milliseconds_sum{${job}}`))[0]?.value[1]).toBe('605');
  expect(
    (await instant(`histogram_quantile(0.5, http_server_duration_milliseconds_bucket{${job}})`))
      .length,
  ).toBe(1);
  const mem = await instant(`process_memory_usage_bytes{${job}}`);
  expect(mem.map((m) => [m.metric.kind, m.value[1]])).toEqual([['heap', '4096']]);
});

it('refuses what is not OTLP with 4xx and a reason', async () => {
  const bad = await fetch(`${http}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"resourceMetrics":',
  });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toMatch(/invalid OTLP metrics request/);
  const text = await fetch(`${http}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  expect(text.status).toBe(415);
});
