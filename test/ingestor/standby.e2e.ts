import type { NatsConnection } from '@nats-io/transport-node';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';
import { connectTo, ingestorEnv, leaseOwners, topologyMade } from './ingest-fixture';

/** More ingestor replicas than partitions: the extra one is a hot standby and says so. */
describe('an ingestor beyond the partition count', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const dirs = [tempDir('ztsdb-standby-a-'), tempDir('ztsdb-standby-b-')];

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connectTo(server.url);
  });
  afterAll(async () => {
    await stopAllZtsdb();
    await nc?.close();
    await server?.stop();
    for (const d of dirs) d.remove();
  });

  const standbyGauge = async (addr: string): Promise<number | undefined> => {
    const text = await (await fetch(`http://${addr}/metrics`)).text();
    const m = /^ztsdb_ingestor_standby (\d+)$/m.exec(text);
    return m ? Number(m[1]) : undefined;
  };

  it('is a standby in its log and /metrics, and takes the partition over when the owner stops', async () => {
    const ids = ['a', 'b'];
    const addrs: string[] = [];
    const procs: ZtsdbProcess[] = [];
    for (const [i, id] of ids.entries()) {
      addrs.push(`127.0.0.1:${await freePort()}`);
      procs.push(
        ZtsdbProcess.start(
          ['ingestor'],
          ingestorEnv(server.url, dirs[i]!.path, {
            ZTSDB_INGESTOR_ID: id,
            ZTSDB_PARTITIONS: '1',
            ZTSDB_INGESTOR_HTTP_ADDR: addrs[i]!,
          }),
        ),
      );
      // The second starts, and the leases are read, once the first has made the streams and
      // buckets (topologyMade says why).
      if (i === 0) await topologyMade(procs[0]!);
    }
    // Two Node processes starting on a loaded 2-core machine can take half a minute.
    const owner = await waitFor(
      async () => (await leaseOwners(nc)).get(0),
      'partition 0 to be owned',
      60_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${procs.map((p, i) => `${ids[i]}: ${p.output}`).join('\n')}`);
    });
    const o = ids.indexOf(owner);
    const s = 1 - o;
    await waitFor(
      async () => (await standbyGauge(addrs[s]!)) === 1,
      'the standby to report ztsdb_ingestor_standby 1',
      15_000,
    );
    expect(await standbyGauge(addrs[o]!)).toBe(0);
    expect(procs[s]!.output).toMatch(/hot standby: 2 replicas share 1 partition;/);
    expect(procs[o]!.output).not.toMatch(/hot standby/);

    expect(await procs[o]!.stop('SIGTERM')).toBe(0);
    await waitFor(
      async () => (await leaseOwners(nc)).get(0) === ids[s],
      'the standby to own partition 0',
      10_000,
    );
    await waitFor(async () => (await standbyGauge(addrs[s]!)) === 0, 'the standby gauge to drop');
  }, 120_000);
});
