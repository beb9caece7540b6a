import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAM_CHUNKS, STREAM_MANIFEST } from '@ztsdb/bus';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';
import { connectAs, envOf, writeNatsConfig, type Role } from './nats-users';

const TOKEN = 'query-api-token-0123456789abcdef';

/** GET with an optional bearer token; the body parsed when it is JSON (`any` keeps assertions short). */
async function get(
  url: string,
  token?: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any; auth: string | null }> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, auth: res.headers.get('www-authenticate') };
}

describe('the whole stack on a nats-server from ztsdb nats-config, each service as its own user', () => {
  const conf = tempDir('ztsdb-secured-conf-');
  const data = tempDir('ztsdb-secured-data-');
  let server: NatsServer;
  let http: string;
  let watcher: NatsConnection;
  const procs = new Map<string, ZtsdbProcess>();

  beforeAll(async () => {
    server = await NatsServer.start({ configFile: writeNatsConfig(conf.path) });
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    const tokenFile = join(conf.path, 'http-token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const common = {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_HTTP_TOKEN_FILE: tokenFile,
      ZTSDB_LOG_LEVEL: 'info',
      ZTSDB_CHUNK_MAX_AGE: '1s',
      ZTSDB_WARM_FLUSH: '100ms',
      ZTSDB_COMPACT_INTERVAL: '200ms',
      ZTSDB_SOURCE: 'synthetic',
      ZTSDB_SYNTHETIC_CONTAINERS: '3',
      ZTSDB_COLLECT_INTERVAL_MS: '200',
    };
    for (const s of ['ingestor', 'compactor', 'query', 'collector'] as const)
      procs.set(s, ZtsdbProcess.start([s], { ...common, ...envOf(conf.path, s) }));
    watcher = await connectAs(server.url, conf.path, 'compactor');
    await waitFor(
      async () => (await get(`${http}/readyz`).catch(() => ({ status: 0 }))).status === 200,
      'the query service to be ready (without a token)',
      30_000,
    );
  });

  afterAll(async () => {
    await stopAllZtsdb();
    await watcher?.close();
    await server?.stop();
    conf.remove();
    data.remove();
  });

  it('collects, ingests, compacts and answers over HTTP (with the token) and NATS (as the client user)', async () => {
    const list = await waitFor(
      async () => {
        const r = await get(`${http}/series?match=container.cpu.usage.*`, TOKEN);
        return r.status === 200 && r.body.series.length === 3 ? r.body.series : undefined;
      },
      'the collector to register its series',
      20_000,
    );
    const name = list[0].name as string;
    const jsm = await jetstreamManager(watcher);
    await waitFor(
      async () => (await jsm.streams.info(STREAM_MANIFEST)).state.messages > 0,
      'the compactor to write warm files from sealed chunks',
      30_000,
    );
    expect((await jsm.streams.info(STREAM_CHUNKS)).state.messages).toBeGreaterThan(0);
    const points = await waitFor(
      async () => {
        const r = await get(`${http}/query?series=${name}&start=-5m`, TOKEN);
        return r.status === 200 && r.body.points.length >= 5 ? r.body.points : undefined;
      },
      'points over HTTP',
      20_000,
    );
    expect(points.length).toBeGreaterThanOrEqual(5);

    const cli = ZtsdbProcess.start(['query', name, '--start', '-5m', '--json'], {
      NATS_URL: server.url,
      ...envOf(conf.path, 'client'),
    });
    expect(await cli.exit()).toBe(0);
    const answer = JSON.parse(cli.output.slice(cli.output.indexOf('{'))) as {
      points: unknown[];
    };
    expect(answer.points.length).toBeGreaterThanOrEqual(5);

    const csv = join(conf.path, 'import.csv');
    const t0 = Date.now() - 60_000;
    writeFileSync(
      csv,
      [0, 1, 2].map((i) => `imported.series.one,${t0 + i * 1000},${i}`).join('\n'),
    );
    const imp = ZtsdbProcess.start(['import', csv], {
      NATS_URL: server.url,
      ...envOf(conf.path, 'client'),
    });
    expect(await imp.exit()).toBe(0);
    const imported = await waitFor(
      async () => {
        const r = await get(`${http}/query?series=imported.series.one&start=${t0}`, TOKEN);
        return r.status === 200 && r.body.points.length === 3 ? r.body.points : undefined;
      },
      'the imported points',
      10_000,
    );
    expect(imported).toEqual([0, 1, 2].map((i) => [t0 + i * 1000, i]));
  });

  it('asks every endpoint but /healthz and /readyz for the bearer token', async () => {
    for (const path of ['/healthz', '/readyz'])
      expect((await get(`${http}${path}`)).status).toBe(200);
    for (const path of ['/series', '/query?series=x', '/metrics', '/api/v1/labels', '/nope']) {
      const r = await get(`${http}${path}`);
      expect(r.status).toBe(401);
      expect(r.auth).toBe('Bearer');
      expect(r.body).toMatchObject({ code: 'ZTSDB_UNAUTHORIZED' });
      const wrong = await get(`${http}${path}`, 'not-the-token-at-all-0000');
      expect(wrong.status).toBe(401);
      expect(wrong.auth).toMatch(/invalid_token/);
    }
    expect((await get(`${http}/metrics`, TOKEN)).status).toBe(200);
  });

  it('needed nothing the configuration forbids, and printed no secret', async () => {
    const log = server.log();
    expect(log).not.toMatch(/Violation/);
    const secrets = (['collector', 'ingestor', 'compactor', 'query', 'client'] as Role[]).map(
      (r) => envOf(conf.path, r).NATS_PASSWORD!,
    );
    const metrics = (await get(`${http}/metrics`, TOKEN)).body as string;
    for (const [name, p] of procs) {
      expect(p.exited).toBe(false);
      for (const s of [...secrets, TOKEN]) {
        expect({ name, leaked: p.output.includes(s) }).toEqual({ name, leaked: false });
        expect(metrics).not.toContain(s);
      }
    }
  });
});

describe('ztsdb all on a nats-server from ztsdb nats-config, as the ztsdb-all user', () => {
  const conf = tempDir('ztsdb-secured-all-conf-');
  const data = tempDir('ztsdb-secured-all-data-');
  let server: NatsServer;

  beforeAll(async () => {
    server = await NatsServer.start({ configFile: writeNatsConfig(conf.path) });
  });

  afterAll(async () => {
    await stopAllZtsdb();
    await server?.stop();
    conf.remove();
    data.remove();
  });

  it('runs every service in one process with the union of their permissions', async () => {
    const port = await freePort();
    const http = `http://127.0.0.1:${port}`;
    const all = ZtsdbProcess.start(['all'], {
      NATS_URL: server.url,
      ...envOf(conf.path, 'all'),
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_SOURCE: 'synthetic',
      ZTSDB_SYNTHETIC_CONTAINERS: '2',
      ZTSDB_COLLECT_INTERVAL_MS: '200',
      ZTSDB_CHUNK_MAX_AGE: '1s',
      ZTSDB_WARM_FLUSH: '100ms',
    });
    const series = await waitFor(
      async () => {
        const r = await get(`${http}/series?match=container.cpu.usage.*`).catch(() => undefined);
        return r?.status === 200 && r.body.series.length === 2 ? r.body.series : undefined;
      },
      'ztsdb all to serve its series',
      30_000,
    );
    await waitFor(
      async () =>
        (await get(`${http}/query?series=${series[0].name}&start=-5m`)).body.points?.length >= 3,
      'points of a collected series',
      20_000,
    );
    const manifest = await connectAs(server.url, conf.path, 'compactor');
    try {
      const jsm = await jetstreamManager(manifest);
      await waitFor(
        async () => (await jsm.streams.info(STREAM_MANIFEST)).state.messages > 0,
        'warm files',
        20_000,
      );
    } finally {
      await manifest.close();
    }
    expect(all.exited).toBe(false);
    expect(server.log()).not.toMatch(/Violation/);
  });

  it('says which credentials the server refused, without printing them', async () => {
    const wrong = ZtsdbProcess.start(['all'], {
      NATS_URL: server.url,
      NATS_USER: 'ztsdb-all',
      NATS_PASSWORD: 'certainly-not-the-password',
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${await freePort()}`,
    });
    expect(await wrong.exit()).toBe(1);
    expect(wrong.output).toMatch(/refused the credentials/);
    expect(wrong.output).not.toContain('certainly-not-the-password');
  });
});
