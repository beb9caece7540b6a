import * as fs from 'node:fs';
import * as path from 'node:path';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, getJson, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

describe('ztsdb import, query, series and top', () => {
  let server: NatsServer;
  let http: string;
  let env: Record<string, string>;
  const data = tempDir('ztsdb-import-');

  beforeAll(async () => {
    server = await NatsServer.start();
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    env = {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_SOURCE: 'synthetic',
      ZTSDB_SYNTHETIC_CONTAINERS: '0',
    };
    ZtsdbProcess.start(['all'], env);
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

  it('keeps the good lines, reports the bad ones by line number, and serves them', async () => {
    const base = Math.floor(Date.now() / 1000) * 1000 - 300_000;
    const lines = ['series,timestamp_ms,value'];
    for (let i = 0; i < 100; i++)
      lines.push(`container.cpu.usage.dddddddddddd,${base + i * 1000},${i / 2}`);
    lines.splice(10, 0, 'container.cpu.usage.dddddddddddd,notatime,1'); // line 11
    lines.splice(20, 0, 'just garbage'); // line 21
    lines.splice(30, 0, `container.cpu.usage.dddddddddddd,${base},abc`); // line 31
    const csv = path.join(data.path, 'in.csv');
    fs.writeFileSync(csv, lines.join('\n') + '\n');
    const prom = path.join(data.path, 'in.prom');
    fs.writeFileSync(
      prom,
      [
        '# HELP container_memory_bytes memory',
        '# TYPE container_memory_bytes gauge',
        ...Array.from(
          { length: 50 },
          (_, i) =>
            `container_memory_bytes{container_id="dddddddddddd",container_name="web-1"} ${1000 + i} ${base + i * 1000}`,
        ),
        'container_memory_bytes{container_id="dddddddddddd"} five 1', // line 53: bad value
      ].join('\n'),
    );

    const imp = ZtsdbProcess.start(['import', csv], env);
    expect(await imp.exit(60_000)).toBe(1);
    expect(imp.output).toMatch(/line 11: bad timestamp "notatime"/);
    expect(imp.output).toMatch(/line 21: expected 3 comma-separated fields/);
    expect(imp.output).toMatch(/line 31: bad value "abc"/);
    expect(imp.output).toMatch(/imported 100 samples of 1 series .* 3 bad lines/);
    const imp2 = ZtsdbProcess.start(['import', prom], env);
    expect(await imp2.exit(60_000)).toBe(1);
    expect(imp2.output).toMatch(/line 53: bad value "five"/);

    const range = `start=${base}&end=${base + 100_000}`;
    const cpu = await waitFor(
      async () => {
        const r = await getJson(`${http}/query?series=container.cpu.usage.dddddddddddd&${range}`);
        return r.body.points?.length === 100 ? r.body : undefined;
      },
      'the imported points',
      15_000,
    );
    expect(cpu.points[7]).toEqual([base + 7000, 3.5]);
    const mem = await waitFor(
      async () => {
        const r = await getJson(
          `${http}/query?match=container_memory_bytes{container_name="web-1"}&${range}`,
        );
        return r.body.result?.[0]?.points.length === 50 ? r.body : undefined;
      },
      'the imported Prometheus points',
      15_000,
    );
    expect(mem.result[0].series).toBe('container.memory.bytes.dddddddddddd');

    const q = ZtsdbProcess.start(
      [
        'query',
        'container.cpu.usage.dddddddddddd',
        '--start',
        String(base),
        '--end',
        String(base + 2000),
      ],
      env,
    );
    expect(await q.exit()).toBe(0);
    expect(q.output).toMatch(/container\.cpu\.usage\.dddddddddddd \(3 points\)/);
    expect(q.output).toContain(`${new Date(base + 2000).toISOString()}  ${base + 2000}  1`);
    const s = ZtsdbProcess.start(['series', 'container.*'], env);
    expect(await s.exit()).toBe(0);
    expect(s.output).toMatch(
      /container\.memory\.bytes\.dddddddddddd\s+active\s+container_id=dddddddddddd container_name=web-1/,
    );
    const top = ZtsdbProcess.start(['top', '--once'], env);
    expect(await top.exit()).toBe(0);
    expect(top.output).toMatch(/CONTAINER ID\s+NAME\s+CPU %\s+MEM/);
  });
});
