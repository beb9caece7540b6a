import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { KV_SERIES } from '@ztsdb/bus';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, getJson, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

const NAME = 'requests_total{instance="a",job="api"}';

describe('series registry deleted: self-repair and ztsdb repair', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let http: string;
  let env: Record<string, string>;
  const data = tempDir('ztsdb-repair-');

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    env = {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_SOURCE: 'synthetic',
      ZTSDB_SYNTHETIC_CONTAINERS: '0',
      ZTSDB_REGISTRY_SNAPSHOT_INTERVAL: '300ms',
      ZTSDB_REGISTRY_REFRESH: '300ms',
    };
  });

  afterAll(async () => {
    await stopAllZtsdb();
    await nc?.close();
    await server?.stop();
    data.remove();
  });

  const ready = (): Promise<boolean> =>
    waitFor(
      async () => (await getJson(`${http}/readyz`).catch(() => ({ status: 0 }))).status === 200,
      'the query service',
      30_000,
    );
  const answersWithLabels = async (): Promise<boolean> => {
    const s = await getJson(`${http}/series?match=${encodeURIComponent('requests_total*')}`);
    const q = await getJson(`${http}/query?series=${encodeURIComponent(NAME)}&start=-1h`);
    return (
      s.status === 200 &&
      JSON.stringify(s.body).includes('"job":"api"') &&
      q.status === 200 &&
      q.body.points?.length === 50
    );
  };
  const deleteBucket = async (): Promise<void> => {
    const jsm = await jetstreamManager(nc);
    expect(await jsm.streams.delete(`KV_${KV_SERIES}`)).toBe(true);
  };

  it('answers again with labels', async () => {
    let stack = ZtsdbProcess.start(['all'], env);
    await ready();
    const base = Date.now() - 120_000;
    const file = path.join(data.path, 'in.prom');
    fs.writeFileSync(
      file,
      Array.from({ length: 50 }, (_, i) => `${NAME} ${i} ${base + i * 1000}`).join('\n') + '\n',
    );
    const imp = ZtsdbProcess.start(['import', file], env);
    expect(await imp.exit()).toBe(0);
    await waitFor(answersWithLabels, 'the imported series', 20_000);
    await waitFor(
      () =>
        fs.existsSync(path.join(data.path, 'registry', 'series.snap')) &&
        fs.readFileSync(path.join(data.path, 'registry', 'series.snap')).includes('requests_total'),
      'the registry snapshot',
    );

    // Lost while the stack is down; it comes back by itself at the next start.
    await stack.stop();
    await deleteBucket();
    stack = ZtsdbProcess.start(['all'], { ...env, ZTSDB_LOG_LEVEL: 'info' });
    await ready();
    await waitFor(answersWithLabels, 'the series after self-repair', 20_000);
    expect(stack.output).toMatch(/had lost 1 series entries/);
    // Everything runs once the last service (the collector) has started: a bucket deleted
    // while it still opens the topology fails its start, and the stack with it.
    await waitFor(() => /serving HTTP on/.test(stack.output), 'every service started', 30_000);

    // Lost while everything runs: a series registered after it is seen, the old one stays.
    await deleteBucket();
    const later = path.join(data.path, 'later.prom');
    fs.writeFileSync(later, `later_total{job="batch"} 1 ${base}\n`);
    expect(await ZtsdbProcess.start(['import', later], env).exit()).toBe(0);
    await waitFor(
      async () => {
        const s = await getJson(`${http}/series?match=${encodeURIComponent('later_total*')}`);
        return s.status === 200 && JSON.stringify(s.body).includes('"job":"batch"');
      },
      'a series registered after the loss',
      20_000,
    );
    await waitFor(answersWithLabels, 'the old series after the second loss', 20_000);
    // What ztsdb repair restores below is the compactor's copy: both series in it before it stops.
    await waitFor(
      () => {
        const snap = path.join(data.path, 'registry', 'series.snap');
        return fs.existsSync(snap) && fs.readFileSync(snap).includes('later_total');
      },
      "the compactor's copy of the series registered after the loss",
      20_000,
    );
    await stack.stop();

    // Lost with no compactor running: ztsdb repair puts it back.
    await deleteBucket();
    const partial = [ZtsdbProcess.start(['ingestor'], env), ZtsdbProcess.start(['query'], env)];
    await ready();
    expect(
      (await getJson(`${http}/query?series=${encodeURIComponent(NAME)}&start=-1h`)).status,
    ).toBe(404);
    const repair = ZtsdbProcess.start(['repair'], env);
    expect(await repair.exit()).toBe(0);
    expect(repair.output).toMatch(/restored 2 of 2 series entries into KV ztsdb_series/);
    await waitFor(answersWithLabels, 'the series after ztsdb repair', 20_000);
    for (const p of partial) await p.stop();
  });
});
