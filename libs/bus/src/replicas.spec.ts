import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { NatsCluster, NatsServer } from '@ztsdb/testing';
import {
  connectWithRetry,
  DEFAULT_TOPOLOGY,
  ensureTopology,
  KV_CONFIG,
  KV_LEASES,
  KV_SERIES,
  kvStreamName,
  STREAM_CHUNKS,
  STREAM_MANIFEST,
  STREAM_SAMPLES,
  samplesSubject,
} from './index';

const ALL_STREAMS = [
  STREAM_SAMPLES,
  STREAM_CHUNKS,
  STREAM_MANIFEST,
  kvStreamName(KV_SERIES),
  kvStreamName(KV_LEASES),
  kvStreamName(KV_CONFIG),
];

describe('ZTSDB_REPLICAS and NATS_URL lists on a 3-node cluster', () => {
  let cluster: NatsCluster;
  let nc: NatsConnection;
  const infos: string[] = [];
  beforeAll(async () => {
    cluster = await NatsCluster.start();
    nc = await connectWithRetry({
      url: cluster.url,
      name: 'replicas-spec',
      info: (m) => infos.push(m),
    });
  });
  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  it('connects through the list and says which server of it answered', () => {
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatch(
      /^connected to NATS at nats:\/\/127\.0\.0\.1:\d+,nats:\/\/127\.0\.0\.1:\d+,nats:\/\/127\.0\.0\.1:\d+ \(n[123] at 127\.0\.0\.1:\d+, nats-server [\d.]+, cluster ztsdb-test, JetStream/,
    );
  });

  it('creates every stream and bucket with the replicas asked for, and raises an existing one', async () => {
    const jsm = await jetstreamManager(nc);
    // A bucket an older deployment made with one replica.
    await jsm.streams.add({ name: STREAM_MANIFEST, subjects: ['ztsdb.manifest.>'] });
    const logs: string[] = [];
    await ensureTopology(nc, { ...DEFAULT_TOPOLOGY, replicas: 3, log: (m) => logs.push(m) });
    for (const name of ALL_STREAMS)
      expect([name, (await jsm.streams.info(name)).config.num_replicas]).toEqual([name, 3]);
    expect(logs).toEqual([
      `stream ${STREAM_MANIFEST} had 1 replica, ZTSDB_REPLICAS is 3: changed to 3`,
    ]);
    // Again: nothing differs, nothing said.
    await ensureTopology(nc, { ...DEFAULT_TOPOLOGY, replicas: 3, log: (m) => logs.push(m) });
    expect(logs).toHaveLength(1);
  });

  it('keeps every acknowledged message and answers through the others while one node is down', async () => {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const before = (await jsm.streams.info(STREAM_SAMPLES)).state.messages;
    const victim = (await cluster.nodeOfClient('replicas-spec')) ?? 0;
    await cluster.kill(victim);
    let acked = 0;
    for (let i = 0; i < 20; i++) {
      // The client moves to another server by itself; a publish in between is retried.
      for (;;) {
        try {
          await js.publish(samplesSubject(i % 4), new Uint8Array([i]), { msgID: `kill-${i}` });
          acked++;
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    expect((await jsm.streams.info(STREAM_SAMPLES)).state.messages).toBe(before + acked);
    await cluster.restart(victim);
    await cluster.waitForJetStream();
    expect((await jsm.streams.info(STREAM_SAMPLES)).state.messages).toBe(before + 20);
  });
});

describe('ZTSDB_REPLICAS above what the server can hold', () => {
  it('says that each replica needs its own clustered server', async () => {
    const server = await NatsServer.start();
    const nc = await connectWithRetry({ url: server.url, name: 'replicas-single' });
    try {
      await expect(ensureTopology(nc, { ...DEFAULT_TOPOLOGY, replicas: 3 })).rejects.toThrow(
        new RegExp(
          `cannot create stream ${STREAM_SAMPLES} with ZTSDB_REPLICAS=3: replicas > 1 not supported in non-clustered mode; .*run at least 3 clustered servers, or set ZTSDB_REPLICAS=1`,
        ),
      );
      // A stream that exists with one replica is kept, and the log says why it was not raised.
      await ensureTopology(nc);
      const logs: string[] = [];
      await ensureTopology(nc, { ...DEFAULT_TOPOLOGY, replicas: 3, log: (m) => logs.push(m) });
      expect(logs.map((l) => l.slice(0, l.indexOf(' has ')))).toEqual(
        ALL_STREAMS.map((s) => `stream ${s}`),
      );
      expect(logs[0]).toMatch(
        new RegExp(
          `^stream ${STREAM_SAMPLES} has 1 replica but ZTSDB_REPLICAS is 3, and the server would not change it \\(.+\\); it keeps 1\\. Change it with "nats stream edit ${STREAM_SAMPLES} --replicas 3"`,
        ),
      );
    } finally {
      await nc.close();
      await server.stop();
    }
  });
});
