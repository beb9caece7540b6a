import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { HEADER_REASON, samplesSubject } from '@ztsdb/bus';
import { seriesId } from '@ztsdb/model';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, getJson, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';
import { pointsOf, readSampleStream } from '../support/stream-reader';

describe('ztsdb all: collector → ingestor → query, end to end', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let ztsdb: ZtsdbProcess;
  let http: string;
  const data = tempDir('ztsdb-e2e-');

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    ztsdb = ZtsdbProcess.start(['all'], {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_SOURCE: 'synthetic',
      ZTSDB_SYNTHETIC_CONTAINERS: '5',
      ZTSDB_COLLECT_INTERVAL_MS: '250',
      // The checks below count batches per partition.
      ZTSDB_PARTITIONS: '4',
    });
    await waitFor(
      async () => (await getJson(`${http}/readyz`)).status === 200,
      'the query service to be ready',
      20_000,
    );
  });

  afterAll(async () => {
    await ztsdb?.stop();
    await nc?.close();
    await server?.stop();
    data.remove();
  });

  it('serves the series it collected, with exactly the published points, over HTTP and NATS', async () => {
    // Three ticks: every partition has at least three batches in the stream.
    const batches = await waitFor(
      async () => {
        const b = await readSampleStream(nc);
        const perPartition = new Map<number, number>();
        for (const x of b) perPartition.set(x.partition, (perPartition.get(x.partition) ?? 0) + 1);
        return perPartition.size === 4 && [...perPartition.values()].every((n) => n >= 3)
          ? b
          : undefined;
      },
      'three ticks of batches',
      20_000,
    );

    const list = await getJson(`${http}/series?match=container.cpu.usage.*`);
    expect(list.status).toBe(200);
    expect(list.body.series).toHaveLength(5);
    const name: string = list.body.series[0].name;
    expect(list.body.series[0].labels).toMatchObject({
      __name__: 'container_cpu_usage',
      runtime: 'docker',
    });

    const published = pointsOf(batches, seriesId(name));
    expect(published.length).toBeGreaterThanOrEqual(3);
    const start = published[0]![0];
    const end = published[published.length - 1]![0];

    const viaHttp = await waitFor(
      async () => {
        const r = await getJson(`${http}/query?series=${name}&start=${start}&end=${end}`);
        return r.status === 200 && r.body.points.length === published.length ? r.body : undefined;
      },
      'the ingestor to hold every published point',
      10_000,
    );
    expect(viaHttp).toEqual({ series: name, points: published });

    const reply = await nc.request(
      'ztsdb.query',
      JSON.stringify({ series: name, start: String(start), end: String(end) }),
      { timeout: 5000 },
    );
    expect(JSON.parse(reply.string())).toEqual({ series: name, points: published });

    const all = await getJson(`${http}/series`);
    // Ten metrics and memory with the page cache (container.memory.total.bytes) of five
    // containers, and eleven cAdvisor-named series each (ZTSDB_CADVISOR_METRICS).
    const names: string[] = all.body.series.map((s: { name: string }) => s.name);
    expect(names.filter((n) => !n.includes('{'))).toHaveLength(55);
    expect(names.filter((n) => n.startsWith('container_') && n.includes('{'))).toHaveLength(55);
  });

  it('answers bad input with clear errors', async () => {
    const unknown = await getJson(`${http}/query?series=container.cpu.usage.000000000000`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/unknown series/);
    const missing = await getJson(`${http}/query`);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/"series"/);
    const badTime = await getJson(`${http}/query?series=x&start=yesterday`);
    expect(badTime.status).toBe(400);
    expect(badTime.body.error).toMatch(/parameter "start"/);
    const reversed = await getJson(`${http}/query?series=x&start=2000&end=1000`);
    expect(reversed.status).toBe(400);
    const notJson = await nc.request('ztsdb.query', 'not json', { timeout: 5000 });
    expect(JSON.parse(notJson.string())).toMatchObject({
      status: 400,
      error: expect.stringMatching(/not JSON/),
    });
    const health = await getJson(`${http}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await fetch(`${http}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^ztsdb_collector_published_batches_total \d+$/m);
  });

  it('sends garbage on a samples subject to the DLQ and keeps ingesting', async () => {
    const dlq = nc.subscribe('ztsdb.dlq.samples', { max: 1 });
    const garbage = new TextEncoder().encode(
      'this is not a sample batch, though it is long enough to have a header',
    );
    await jetstream(nc).publish(samplesSubject(0), garbage);
    for await (const m of dlq) {
      expect(m.string()).toBe(
        'this is not a sample batch, though it is long enough to have a header',
      );
      expect(m.headers?.get(HEADER_REASON)).toMatch(/ZTSDB_WIRE_MAGIC/);
    }
    const name = (await getJson(`${http}/series?match=container.memory.bytes.*`)).body.series[0]
      .name as string;
    const before = (await getJson(`${http}/query?series=${name}&start=0`)).body.points
      .length as number;
    await waitFor(
      async () =>
        (await getJson(`${http}/query?series=${name}&start=0`)).body.points.length > before + 2,
      'ingestion to go on after the DLQ',
      10_000,
    );
    expect(ztsdb.exited).toBe(false);
    const metrics = await fetch(`${http}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/ztsdb_ingestor_dead_letters_total\{reason="ZTSDB_WIRE_MAGIC"\} 1/);
  });
});

describe('ztsdb command line', () => {
  afterAll(stopAllZtsdb);

  it('says clearly when a setting is bad', async () => {
    const p = ZtsdbProcess.start(['all'], { ZTSDB_PARTITIONS: 'many' });
    expect(await p.exit()).toBe(2);
    expect(p.output).toMatch(/ZTSDB_PARTITIONS="many"/);
  });

  it('says what to install when no NATS answers and no nats-server is found', async () => {
    const port = await freePort();
    const p = ZtsdbProcess.start(['all'], {
      NATS_URL: `nats://127.0.0.1:${port}`,
      ZTSDB_NATS_SERVER: '/nonexistent/nats-server',
    });
    expect(await p.exit()).toBe(1);
    expect(p.output).toMatch(/nats-server is not installed/);
  });

  it('refuses unknown commands', async () => {
    const p = ZtsdbProcess.start(['frobnicate'], {});
    expect(await p.exit()).toBe(2);
    expect(p.output).toMatch(/unknown command "frobnicate"/);
  });
});
