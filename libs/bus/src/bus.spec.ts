import { NatsServer } from '@ztsdb/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  connectWithRetry,
  ensureTopology,
  natsAnswers,
  resolvePartitions,
  partitionOfSubject,
  samplesSubject,
  STREAM_SAMPLES,
  STREAM_CHUNKS,
  STREAM_MANIFEST,
  publishDeadLetter,
  HEADER_REASON,
} from './index';

describe('bus helpers against a real nats-server', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connectWithRetry({ url: server.url, name: 'bus-spec' });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('creates streams and buckets, and is idempotent', async () => {
    await ensureTopology(nc);
    const t = await ensureTopology(nc);
    const jsm = await jetstreamManager(nc);
    for (const s of [STREAM_SAMPLES, STREAM_CHUNKS, STREAM_MANIFEST])
      expect((await jsm.streams.info(s)).config.name).toBe(s);
    await t.series.put('k', 'v');
    expect((await t.series.get('k'))?.string()).toBe('v');
  });

  it('fixes the partition count once', async () => {
    const t = await ensureTopology(nc);
    expect(await resolvePartitions(t.config, 4)).toBe(4);
    const logs: string[] = [];
    expect(await resolvePartitions(t.config, 8, (m) => logs.push(m))).toBe(4);
    expect(logs[0]).toMatch(/4 partitions/);
  });

  it('sends dead letters with the reason', async () => {
    const sub = nc.subscribe('ztsdb.dlq.samples', { max: 1 });
    publishDeadLetter(nc, 'samples', new Uint8Array([1, 2]), 'bad\nmagic', samplesSubject(0));
    for await (const m of sub) {
      expect(m.headers?.get(HEADER_REASON)).toBe('bad magic');
      expect(Array.from(m.data)).toEqual([1, 2]);
    }
  });

  it('knows whether a server answers, and fails clearly when none does', async () => {
    expect(await natsAnswers(server.url)).toBe(true);
    expect(await natsAnswers('nats://127.0.0.1:1', 300)).toBe(false);
    await expect(
      connectWithRetry({ url: 'nats://127.0.0.1:1', name: 'x', initialTimeoutMs: 300 }),
    ).rejects.toThrow(/cannot reach NATS at nats:\/\/127.0.0.1:1/);
  });

  it('reads partitions from subjects', () => {
    expect(partitionOfSubject('ztsdb.samples.p.12')).toBe(12);
    expect(partitionOfSubject('ztsdb.samples')).toBeUndefined();
  });
});
