import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ensureTopology, resolvePartitions } from '@ztsdb/bus';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, getJson, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';
import { publishChunks, registerSeries } from '../query/pipeline-helpers';
import { TestHotOwner } from '../query/test-hot-owner';

const filesIn = (dir: string): string[] => {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  for (const p of fs.readdirSync(dir))
    for (const f of fs.readdirSync(path.join(dir, p))) out.push(`${p}/${f}`);
  return out.sort();
};

describe('hot → warm → cold through the compactor, one answer at every stage', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let owner: TestHotOwner;
  let http: string;
  const data = tempDir('ztsdb-tiers-');

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    const env = {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_COLD_AFTER: '3s',
      ZTSDB_COLD_WINDOW: '5m',
      ZTSDB_WARM_GRACE: '300ms',
      ZTSDB_COMPACT_INTERVAL: '200ms',
      ZTSDB_WARM_FLUSH: '100ms',
      ZTSDB_QUERY_MAX_SERIES: '2',
      ZTSDB_QUERY_MAX_POINTS: '1000',
    };
    await resolvePartitions((await ensureTopology(nc)).config, 4);
    owner = new TestHotOwner(nc);
    ZtsdbProcess.start(['compactor'], env);
    ZtsdbProcess.start(['query'], env);
    await waitFor(
      async () => (await getJson(`${http}/readyz`).catch(() => ({ status: 0 }))).status === 200,
      'the query service',
      20_000,
    );
  });

  afterAll(async () => {
    await stopAllZtsdb();
    owner?.stop();
    await nc?.close();
    await server?.stop();
    data.remove();
  });

  it('finds the same points while hot, then warm, then cold', async () => {
    const t = await ensureTopology(nc);
    const base = Math.floor(Date.now() / 1000) * 1000 - 600_000;
    const names = [
      'container.cpu.usage.aaaaaaaaaaaa',
      'container.cpu.usage.bbbbbbbbbbbb',
      'container.memory.bytes.aaaaaaaaaaaa',
    ];
    const labels = [
      { __name__: 'container_cpu_usage', container_id: 'aaaaaaaaaaaa', container_name: 'web-1' },
      { __name__: 'container_cpu_usage', container_id: 'bbbbbbbbbbbb', container_name: 'web-2' },
      { __name__: 'container_memory_bytes', container_id: 'aaaaaaaaaaaa', container_name: 'web-1' },
    ];
    const n = 600;
    const ts = Float64Array.from({ length: n }, (_, i) => base + i * 1000);
    const series: Array<{ id: bigint; vs: Float64Array }> = [];
    for (let s = 0; s < names.length; s++) {
      const id = await registerSeries(t, names[s]!, labels[s]!);
      const vs = Float64Array.from(
        { length: n },
        (_, i) => Math.round(Math.sin(i / 10 + s) * 1000) / 10 + s * 100,
      );
      owner.add(id, ts, vs);
      series.push({ id, vs });
    }
    const range = `start=${base}&end=${base + n * 1000}`;
    await waitFor(
      async () =>
        (await getJson(`${http}/series?match=container.memory.*`)).body.series?.length === 1,
      'the registry',
    );
    expect((await getJson(`${http}/series?match=container_cpu_usage`)).body.series).toHaveLength(2);
    const ask = async (): Promise<{ single: unknown; sum: unknown; step: unknown }> => {
      const single = await getJson(`${http}/query?series=${names[0]}&${range}`);
      const sum = await getJson(
        `${http}/query?match[]=container_cpu_usage&agg=sum&step=60s&${range}`,
      );
      const step = await getJson(
        `${http}/query?match=container_cpu_usage{container_name="web-2"}&step=30s&${range}`,
      );
      for (const r of [single, sum, step]) expect(r.status).toBe(200);
      return { single: single.body, sum: sum.body, step: step.body };
    };

    // Hot: only the owner holds the points.
    const hot = await ask();
    expect((hot.single as { points: unknown[] }).points).toHaveLength(n);
    expect((hot.single as { points: number[][] }).points[5]).toEqual([ts[5], series[0]!.vs[5]]);
    expect(
      (hot.sum as { result: Array<{ series: number; points: number[][] }> }).result[0]!.series,
    ).toBe(2);
    expect(filesIn(path.join(data.path, 'warm'))).toEqual([]);

    // Warm: the first 540 points of each series are sealed; the owner drops them once the manifest shows them.
    for (const s of series) await publishChunks(nc, 4, s.id, ts, s.vs, 0, 540, 120);
    await waitFor(
      () => series.every((s) => owner.held(s.id) === 60),
      'the owner to drop sealed chunks',
      10_000,
    );
    expect(filesIn(path.join(data.path, 'warm')).length).toBeGreaterThan(0);
    const warm = await ask();
    expect(filesIn(path.join(data.path, 'cold')).filter((f) => f.endsWith('.cold'))).toEqual([]);
    expect(warm).toEqual(hot);

    // Cold: after ZTSDB_COLD_AFTER the warm files are merged, recorded, and removed after the grace period.
    await waitFor(
      () =>
        filesIn(path.join(data.path, 'warm')).every((f) => !f.endsWith('.warm')) &&
        filesIn(path.join(data.path, 'cold')).some((f) => f.endsWith('.cold')),
      'warm files to turn cold',
      20_000,
    );
    const cold = await ask();
    expect(cold).toEqual(hot);

    // The same over NATS.
    const reply = await nc.request(
      'ztsdb.query',
      JSON.stringify({ series: names[0], start: base, end: base + n * 1000 }),
      { timeout: 5000 },
    );
    expect(JSON.parse(reply.string())).toEqual(hot.single);

    // Limits and bad input.
    const tooMany = await getJson(`${http}/query?match=container.*&${range}`);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error).toMatch(/ZTSDB_QUERY_MAX_SERIES=2/);
    const tooBig = await getJson(`${http}/query?match=container_cpu_usage&${range}`);
    expect(tooBig.status).toBe(422);
    expect(tooBig.body.error).toMatch(/ZTSDB_QUERY_MAX_POINTS=1000/);
    const overPoints = await getJson(
      `${http}/query?match=container.cpu.*&start=${base - 10 * 86_400_000}&end=${base + n * 1000}&step=1s`,
    );
    expect(overPoints.status).toBe(400);
    const badSel = await getJson(`${http}/query?match=container_cpu_usage{container_name=web}`);
    expect(badSel.status).toBe(400);
    expect(badSel.body.error).toMatch(/quoted value/);

    // A silent owner: the answer says which partition is missing.
    owner.silent = true;
    const partial = await getJson(`${http}/query?series=${names[0]}&${range}`);
    owner.silent = false;
    expect(partial.status).toBe(200);
    expect(partial.body.missingPartitions).toEqual([
      expect.objectContaining({ partition: expect.any(Number) }),
    ]);
    expect(partial.body.points).toHaveLength(540);
  });
});
