import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom } from 'rxjs';
import { ensureTopology, SUBJECT_QUERY, type Topology } from '@ztsdb/bus';
import { loadSettings } from '@ztsdb/config';
import { NatsClient } from '@ztsdb/platform';
import { ACCEPT_PARTS_HEADER, JsonNatsClient, type JsonAnswer } from '@ztsdb/rpc';
import { NatsServer, tempDir } from '@ztsdb/testing';
import { queryNatsServer } from '../../apps/query/src/nats-query.controller';
import { QueryModule } from '../../apps/query/src/query.module';
import { QueryService } from '../../apps/query/src/query.service';
import { registerSeries } from './pipeline-helpers';
import { TestHotOwner } from './test-hot-owner';

/** Small enough that a few hundred points need parts. */
const MAX_PAYLOAD = 8192;
const NOW = Date.now();
const N = 2000;

/**
 * The query service's Nest module in this process (`@nestjs/testing`), served
 * as a Nest microservice on a real nats-server: `ztsdb.query` answers plain
 * requests, takes answers in parts, and refuses large ones without the header.
 */
describe('QueryModule as a Nest microservice on ztsdb.query', () => {
  const dir = tempDir('ztsdb-query-ms-');
  let server: NatsServer;
  let nc: NatsConnection;
  let topology: Topology;
  let owner: TestHotOwner;
  let app: INestMicroservice;

  beforeAll(async () => {
    const conf = join(dir.path, 'nats.conf');
    writeFileSync(conf, `max_payload: ${MAX_PAYLOAD}\n`);
    server = await NatsServer.start({ configFile: conf });
    nc = await connect({ servers: server.url });
    topology = await ensureTopology(nc);
    owner = new TestHotOwner(nc);
    const id = await registerSeries(topology, 'cpu.a', { __name__: 'cpu', c: 'a' });
    owner.add(
      id,
      Array.from({ length: N }, (_, i) => NOW - (N - i) * 1000),
      Array.from({ length: N }, (_, i) => i / 4),
    );
    await nc.flush();
    const settings = loadSettings({
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: join(dir.path, 'data'),
      ZTSDB_PARTITIONS: '4',
      ZTSDB_LOG_LEVEL: 'warn',
      ZTSDB_QUERY_WARMUP_REQUESTS: '30',
    });
    const moduleRef = await Test.createTestingModule({
      imports: [QueryModule.forRoot(settings)],
    }).compile();
    app = moduleRef.createNestMicroservice({
      strategy: queryNatsServer(() => moduleRef.get(NatsClient).nc),
    });
    await app.listen();
    const queries = app.get(QueryService);
    for (let i = 0; i < 400 && !queries.ready; i++) await new Promise((r) => setTimeout(r, 50));
    expect(queries.ready).toBe(true);
  });

  afterAll(async () => {
    await app?.close();
    owner?.stop();
    await nc?.close();
    await server?.stop();
    dir.remove();
  });

  it('warms its request path up on synthetic series that never show in its answers', async () => {
    await app.get(QueryService).warmedUp;
    const r = await nc.request(SUBJECT_QUERY, JSON.stringify({ match: '*' }), { timeout: 10_000 });
    expect(JSON.parse(r.string())).toEqual({
      series: [{ name: 'cpu.a', labels: { __name__: 'cpu', c: 'a' }, active: true }],
    });
    const promql = await nc.request(
      SUBJECT_QUERY,
      JSON.stringify({ promql: 'count(container_cpu_usage)', time: NOW / 1000 }),
      { timeout: 10_000 },
    );
    expect(JSON.parse(promql.string())).toEqual({
      status: 'success',
      data: { resultType: 'vector', result: [] },
    });
  });

  it('answers a plain request with plain JSON, no headers', async () => {
    const r = await nc.request(SUBJECT_QUERY, JSON.stringify({ match: '*' }), { timeout: 10_000 });
    expect(r.headers).toBeUndefined();
    expect(JSON.parse(r.string())).toEqual({
      series: [{ name: 'cpu.a', labels: { __name__: 'cpu', c: 'a' }, active: true }],
    });
  });

  it('answers bad requests with coded errors', async () => {
    const notJson = await nc.request(SUBJECT_QUERY, 'nope', { timeout: 10_000 });
    expect(JSON.parse(notJson.string())).toMatchObject({ code: 'ZTSDB_BAD_REQUEST', status: 400 });
    const unknown = await nc.request(SUBJECT_QUERY, JSON.stringify({ series: 'cpu.zz' }), {
      timeout: 10_000,
    });
    expect(JSON.parse(unknown.string())).toMatchObject({
      code: 'ZTSDB_UNKNOWN_SERIES',
      status: 404,
    });
  });

  it('refuses an answer over max_payload unless the request takes parts', async () => {
    const r = await nc.request(SUBJECT_QUERY, JSON.stringify({ series: 'cpu.a', start: '-1h' }), {
      timeout: 10_000,
    });
    const body = JSON.parse(r.string()) as { code: string; error: string };
    expect(body.code).toBe('ZTSDB_TOO_LARGE');
    expect(body.error).toContain(`max_payload of ${MAX_PAYLOAD}`);
    expect(body.error).toContain(ACCEPT_PARTS_HEADER);
  });

  it('sends it in parts to a request with the header, and JsonNatsClient joins them', async () => {
    const h = headers();
    h.set(ACCEPT_PARTS_HEADER, '1');
    const first = await nc.request(
      SUBJECT_QUERY,
      JSON.stringify({ series: 'cpu.a', start: '-1h' }),
      { timeout: 10_000, headers: h },
    );
    expect(first.headers?.get('Ztsdb-Part')).toMatch(/^\d+\/\d+$/);
    const client = new JsonNatsClient({ connection: nc, timeoutMs: 10_000 });
    const answer = await lastValueFrom(
      client.send<JsonAnswer>(SUBJECT_QUERY, { series: 'cpu.a', start: '-1h' }),
    );
    const points = (answer.json as { points: Array<[number, number]> }).points;
    expect(points).toHaveLength(N);
    expect(points[N - 1]).toEqual([NOW - 1000, (N - 1) / 4]);
    expect(answer.text.length).toBeGreaterThan(MAX_PAYLOAD);
  });

  it('answers PromQL', async () => {
    const r = await nc.request(SUBJECT_QUERY, JSON.stringify({ promql: 'count(cpu)' }), {
      timeout: 10_000,
    });
    const body = JSON.parse(r.string()) as { status: string; data: { result: unknown[] } };
    expect(body.status).toBe('success');
    expect(body.data.result).toHaveLength(1);
  });
});
