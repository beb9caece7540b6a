import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsServer } from '@ztsdb/testing';
import { JetStreamAcks, JetStreamPublishError } from './jetstream-acks';

describe('JetStreamAcks against a real nats-server', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url, inboxPrefix: '_INBOX_receiver' });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'ACKS', subjects: ['acks.>'], duplicate_window: 60e9 });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('resolves with the stream sequence, once per Nats-Msg-Id, for many at once', async () => {
    const acks = new JetStreamAcks(nc);
    const body = new Uint8Array([1, 2, 3]);
    const first = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        acks.publish(`acks.${i % 3}`, body, { msgID: `m${i}`, timeout: 5000 }),
      ),
    );
    expect(first.map((a) => a.duplicate)).toEqual(first.map(() => false));
    expect(new Set(first.map((a) => a.seq)).size).toBe(50);
    expect(first[0]!.stream).toBe('ACKS');
    // The same ids again (a retried publish): stored once, answered as duplicates.
    const again = await acks.publish('acks.0', body, { msgID: 'm0', timeout: 5000 });
    expect(again).toEqual({ stream: 'ACKS', seq: first[0]!.seq, duplicate: true });
    const info = await (await jetstreamManager(nc)).streams.info('ACKS');
    expect(Number(info.state.messages)).toBe(50);
    expect(acks.pending).toBe(0);
    acks.close();
  });

  it('stores a message with an expected last subject sequence once (a KV create)', async () => {
    const acks = new JetStreamAcks(nc);
    const create = (subject: string) =>
      acks.publish(subject, new Uint8Array([7]), { timeout: 5000, expectLastSubjectSequence: 0 });
    const made = await create('acks.kv.a');
    expect(made.duplicate).toBe(false);
    // The subject holds a message now: refused with JetStream's "wrong last sequence".
    const refused = await create('acks.kv.a').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(JetStreamPublishError);
    expect((refused as JetStreamPublishError).apiCode).toBe(10071);
    expect((refused as JetStreamPublishError).message).toMatch(/wrong last sequence/);
    // Another subject is empty, and the right last sequence is taken.
    await expect(create('acks.kv.b')).resolves.toMatchObject({ stream: 'ACKS' });
    await expect(
      acks.publish('acks.kv.a', new Uint8Array([8]), {
        timeout: 5000,
        expectLastSubjectSequence: made.seq,
      }),
    ).resolves.toMatchObject({ stream: 'ACKS' });
    acks.close();
  });

  it('refuses with a reason: no stream, no answer in time, closed', async () => {
    const acks = new JetStreamAcks(nc, 20);
    await expect(
      acks.publish('nostream.x', new Uint8Array(1), { msgID: 'a', timeout: 5000 }),
    ).rejects.toThrow(JetStreamPublishError);
    await expect(
      acks.publish('nostream.x', new Uint8Array(1), { msgID: 'a', timeout: 5000 }),
    ).rejects.toThrow(/no responders/);
    // A subscriber that never answers: the deadline passes.
    const silent = nc.subscribe('silent.x');
    await expect(
      acks.publish('silent.x', new Uint8Array(1), { msgID: 'b', timeout: 50 }),
    ).rejects.toThrow(/no JetStream acknowledgement .* silent\.x \(timeout\)/);
    // A JetStream API error (a message over the stream's max_msg_size) is refused with it.
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'SMALL', subjects: ['small.>'], max_msg_size: 4 });
    const refused = acks.publish('small.x', new Uint8Array(100), { msgID: 'c', timeout: 5000 });
    await expect(refused).rejects.toThrow(/JetStream refused a message on small\.x/);
    // Closed: what waits is refused, later publishes too.
    const waiting = acks.publish('silent.x', new Uint8Array(1), { msgID: 'd', timeout: 60_000 });
    acks.close();
    await expect(waiting).rejects.toThrow(/closed/);
    await expect(
      acks.publish('acks.1', new Uint8Array(1), { msgID: 'e', timeout: 5000 }),
    ).rejects.toThrow(/closed/);
    silent.unsubscribe();
  });
});
