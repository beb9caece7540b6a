/**
 * A real Prometheus (Debian package `prometheus`) scrapes ztsdb's own /metrics and
 * remote-writes to ztsdb's POST /api/v1/write; what Prometheus stored and what ztsdb answers
 * for the same range are compared sample for sample. Then the receiver's answers to bad and
 * 2.0 requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeWriteRequestV1, encodeWriteRequestV2, snappyEncode } from '@ztsdb/ingest-formats';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, getJson, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

const WINDOW_S = 8;
let server: NatsServer;
let http: string;
let prom: ChildProcess | undefined;
let promUrl: string;
let promLog = '';
const data = tempDir('ztsdb-rw-');

function startPrometheus(ztsdbPort: number, port: number): ChildProcess {
  const conf = path.join(data.path, 'prometheus.yml');
  fs.writeFileSync(
    conf,
    [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: ztsdb',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${ztsdbPort}']`,
      'remote_write:',
      `  - url: http://127.0.0.1:${ztsdbPort}/api/v1/write`,
      '    queue_config:',
      '      batch_send_deadline: 200ms',
      '      min_backoff: 50ms',
      '',
    ].join('\n'),
  );
  const p = spawn(
    'prometheus',
    [
      `--config.file=${conf}`,
      `--storage.tsdb.path=${path.join(data.path, 'prom')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  p.on('error', (e) => {
    promLog += `cannot start prometheus (apt-get install prometheus; .ci/run does): ${e.message}\n`;
  });
  p.stderr?.on('data', (d: Buffer) => (promLog += d.toString()));
  return p;
}

async function matrix(base: string, query: string, timeS: number): Promise<MatrixSeries[]> {
  const r = await getJson(`${base}/api/v1/query?query=${encodeURIComponent(query)}&time=${timeS}`);
  if (r.status !== 200 || r.body.status !== 'success')
    throw new Error(`${base}: ${JSON.stringify(r.body).slice(0, 300)}`);
  return (r.body.data.result as MatrixSeries[])
    .map((s) => ({ metric: s.metric, values: s.values }))
    .sort((a, b) => (JSON.stringify(a.metric) < JSON.stringify(b.metric) ? -1 : 1));
}

/** Samples as numbers (NaN compares equal to NaN), so number formatting does not matter. */
const numeric = (m: MatrixSeries[]): unknown =>
  m.map((s) => ({ metric: s.metric, values: s.values.map(([t, v]) => [t, String(Number(v))]) }));

async function post(
  body: Uint8Array,
  headers: Record<string, string>,
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${http}/api/v1/write`, {
    method: 'POST',
    body: new Uint8Array(body),
    headers,
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const PB = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };

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
    ZTSDB_WRITE_MAX_SERIES: '1000',
    ZTSDB_WRITE_MAX_BYTES: '65536',
  });
  await waitFor(
    async () => (await getJson(`${http}/readyz`).catch(() => ({ status: 0 }))).status === 200,
    'the stack',
    30_000,
  );
  const pport = await freePort();
  promUrl = `http://127.0.0.1:${pport}`;
  prom = startPrometheus(port, pport);
});

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom!.once('exit', r));
    prom.kill('SIGTERM');
    await exited;
  }
  await stopAllZtsdb();
  await server?.stop();
  data.remove();
});

describe('Prometheus remote_write into ztsdb', () => {
  it('stores what a real Prometheus scraped, sample for sample', async () => {
    // A window of scrapes that lies behind us, bounded half-way between two scrapes.
    const lastScrapeMs = await waitFor(
      async () => {
        const r = await matrix(promUrl, 'up[30s]', Date.now() / 1000).catch(() => []);
        const v = r[0]?.values ?? [];
        return v.length >= WINDOW_S + 3 ? Math.round(v[v.length - 2]![0] * 1000) : undefined;
      },
      `Prometheus scraping ztsdb (${promLog.slice(-500)})`,
      40_000,
    );
    const at = (lastScrapeMs + 500) / 1000;
    const query = `{job="ztsdb"}[${WINDOW_S}s]`;
    const want = await matrix(promUrl, query, at);
    expect(want.length).toBeGreaterThan(20);
    const samples = want.reduce((n, s) => n + s.values.length, 0);
    expect(samples).toBeGreaterThan(20 * (WINDOW_S - 1));
    let got: MatrixSeries[] = [];
    await waitFor(
      async () => {
        got = await matrix(http, query, at);
        return JSON.stringify(numeric(got)) === JSON.stringify(numeric(want));
      },
      'ztsdb to answer what Prometheus stored',
      30_000,
    ).catch(() => undefined);
    expect(numeric(got)).toEqual(numeric(want));
  });

  it('answers bad requests with 4xx and a reason, and takes 2.0 requests', async () => {
    const series = [
      {
        labels: [
          ['__name__', 'rw_test_total'],
          ['job', 'rw'],
        ] as Array<[string, string]>,
        samples: [[1_700_000_000_000, 4] as [number, number]],
      },
    ];
    const garbage = await post(snappyEncode(Buffer.from([0x0a, 0xff, 0x01])), PB);
    expect(garbage.status).toBe(400);
    expect(garbage.text).toMatch(/invalid prometheus.WriteRequest: .*runs past/);
    const notSnappy = await post(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), PB);
    expect(notSnappy.status).toBe(400);
    expect(notSnappy.text).toMatch(/cannot decode the body: snappy/);
    const json = await post(Buffer.from('{}'), { 'content-type': 'application/json' });
    expect(json.status).toBe(415);
    const noName = await post(
      snappyEncode(encodeWriteRequestV1([{ labels: [['job', 'x']], samples: [[1, 1]] }])),
      PB,
    );
    expect(noName.status).toBe(400);
    expect(noName.text).toMatch(/without __name__/);
    const many = Array.from({ length: 1001 }, (_, i) => ({
      labels: [['__name__', `m${i}`]] as Array<[string, string]>,
      samples: [[1, 1] as [number, number]],
    }));
    const tooMany = await post(snappyEncode(encodeWriteRequestV1(many)), PB);
    expect(tooMany.status).toBe(400);
    expect(tooMany.text).toMatch(/ZTSDB_WRITE_MAX_SERIES=1000/);
    const big = await post(snappyEncode(Buffer.alloc(70_000)), PB);
    expect(big.status).toBe(413);

    const v2 = await post(snappyEncode(encodeWriteRequestV2(series)), {
      ...PB,
      'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
    });
    expect(`${v2.status} ${v2.text}`).toBe('204 ');
    expect(v2.headers.get('x-prometheus-remote-write-samples-written')).toBe('1');
    const stored = await waitFor(
      async () => {
        const r = await matrix(http, 'rw_test_total[1m]', 1_700_000_030);
        return r.length === 1 ? r : undefined;
      },
      'the 2.0 sample',
      20_000,
    );
    expect(stored).toEqual([
      { metric: { __name__: 'rw_test_total', job: 'rw' }, values: [[1_700_000_000, '4']] },
    ]);
  });
});
