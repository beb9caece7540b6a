import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { KV_SERIES, SAMPLES_WILDCARD, STREAM_SAMPLES } from '@ztsdb/bus';
import { decodeSeriesEntry, partitionOf, seriesId, seriesKey } from '@ztsdb/model';
import { NatsServer } from '@ztsdb/testing';
import { decodeSampleBatch } from '@ztsdb/wire';
import { BatchBuilder } from './batch-builder';
import { BatchPublisher, BatchDroppedError } from './batch-publisher';
import { canonicalSeriesName } from './canonical-name';
import { PartitionGroups } from './partition-groups';
import { BackpressureError, COALESCED_BATCH_MAX_POINTS, SampleWriter } from './sample-writer';

describe('canonicalSeriesName', () => {
  it('sorts labels, quotes values, leaves out __name__ and empty values', () => {
    expect(canonicalSeriesName({ __name__: 'up', job: 'a"b', instance: 'x\\n', e: '' })).toBe(
      'up{instance="x\\\\n",job="a\\"b"}',
    );
    expect(canonicalSeriesName({ __name__: 'up' })).toBe('up');
  });
});

describe('PartitionGroups', () => {
  it('groups points by partition, grows, and hands columns over', () => {
    const g = new PartitionGroups(3, 2);
    for (let i = 0; i < 100; i++) g.add(i % 3, BigInt(i), i * 10, i / 2);
    const cols = g.take();
    expect(cols.map((c) => c.count)).toEqual([34, 33, 33]);
    expect(cols[1]!.ids[1]).toBe(4n);
    expect(cols[1]!.timestamps[1]).toBe(40);
    expect(g.take()).toEqual([]);
  });
});

describe('producer against a real nats-server', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });
  const streamMessages = async (): Promise<number> =>
    Number((await (await jetstreamManager(nc)).streams.info(STREAM_SAMPLES)).state.messages);
  /** A SampleWriter with the tests' usual options, `over` replacing some. */
  const writer = (
    kv: ConstructorParameters<typeof SampleWriter>[1],
    over: Partial<ConstructorParameters<typeof SampleWriter>[2]> = {},
  ): SampleWriter =>
    new SampleWriter(jetstream(nc), kv, {
      partitions: 1,
      role: 'test_writer',
      metrics: null,
      maxBacklog: 100,
      inFlight: 8,
      ackDeadlineMs: 5000,
      refreshMs: 60_000,
      warn: () => undefined,
      ...over,
    });

  it('publish resolves once stored, retries until the stream exists, stores a msg id once', async () => {
    const jsm = await jetstreamManager(nc);
    const p = new BatchPublisher(jetstream(nc), {
      maxBacklog: 10,
      role: 'test_publisher',
      metrics: null,
      inFlight: 4,
      retryDelayMs: 50,
      ackTimeoutMs: 500,
    });
    const b = new BatchBuilder();
    const g = new PartitionGroups(1);
    g.add(0, 7n, 1000, 1.5);
    const batch = b.build(g.take()[0]!);
    const acked = p.publish(batch);
    // No stream yet: JetStream does not answer, the publisher keeps the batch and retries.
    await new Promise((r) => setTimeout(r, 700));
    expect(p.unreachable).toBe(true);
    expect(p.pending).toBe(1);
    await jsm.streams.add({ name: STREAM_SAMPLES, subjects: [SAMPLES_WILDCARD] });
    const seq = await acked;
    expect(seq).toBe(1);
    expect(p.unreachable).toBe(false);
    await p.publish(batch); // same Nats-Msg-Id: a duplicate, not stored again
    expect(await streamMessages()).toBe(1);
    const m = await jsm.streams.getMessage(STREAM_SAMPLES, { seq: 1 });
    const d = decodeSampleBatch(m!.data);
    expect([d.seriesIds[0], d.timestamps[0], d.values[0], d.producerId]).toEqual([
      7n,
      1000,
      1.5,
      b.producerId,
    ]);
    p.close();
    await expect(p.publish(batch)).rejects.toBeInstanceOf(BatchDroppedError);
  });

  it('drops the oldest queued batch when the backlog is full and says so to its publisher', async () => {
    const p = new BatchPublisher(jetstream(nc), {
      maxBacklog: 2,
      role: 'test_publisher',
      metrics: null,
      inFlight: 1,
    });
    const b = new BatchBuilder();
    const one = (): ReturnType<BatchBuilder['build']> => {
      const g = new PartitionGroups(1);
      g.add(0, 1n, 1, 1);
      return b.build(g.take()[0]!);
    };
    const first = p.publish(one()); // in flight
    const second = p.publish(one()); // queued
    const third = p.publish(one()); // queued: the second is dropped
    await expect(second).rejects.toThrow(/backlog of 2 batches full/);
    await expect(Promise.all([first, third])).resolves.toHaveLength(2);
    p.close();
  });

  it('SampleWriter registers series, publishes per partition and answers after the acks', async () => {
    const kv = await new Kvm(nc).create(KV_SERIES, { history: 1 });
    const w = writer(kv, { partitions: 4 });
    const before = await streamMessages();
    const write = w.begin();
    for (let s = 0; s < 20; s++) {
      write.series({ __name__: 'http_requests_total', job: 'api', code: String(200 + s) });
      for (let i = 0; i < 5; i++) write.sample(1000 + i, s * 10 + i);
    }
    const r = await write.commit();
    expect(r).toMatchObject({ samples: 100, series: 20 });
    expect(await streamMessages()).toBe(before + r.batches);
    const name = 'http_requests_total{code="205",job="api"}';
    const key = seriesKey(seriesId(name));
    const e = decodeSeriesEntry(key, (await kv.get(key))!.value);
    expect(e).toMatchObject({ name, labels: { __name__: 'http_requests_total', code: '205' } });
    expect(partitionOf(seriesId(name), 4)).toBeLessThan(4);
    // A full backlog refuses the write with 429 instead of queueing it.
    const full = writer(kv, { partitions: 4, maxBacklog: 0, inFlight: 1 });
    const w2 = full.begin();
    w2.series({ __name__: 'x' });
    w2.sample(1, 1);
    await expect(w2.commit()).rejects.toMatchObject({ status: 429, retryAfterS: 1 });
    await expect(w2.commit()).resolves.toMatchObject({ samples: 0 });
    expect(BackpressureError).toBeDefined();
    w.close();
    full.close();
  });

  it('SampleWriter puts the points of writes that come while a batch is out in one batch', async () => {
    const kv = await new Kvm(nc).create(KV_SERIES, { history: 1 });
    const w = writer(kv, { partitionInFlight: 1 });
    const labels = { __name__: 'coalesced', job: 'api' };
    const first = w.begin();
    first.series(labels);
    first.sample(1, 1);
    await first.commit(); // registers the series: the writes below publish at once
    const before = await streamMessages();
    const writes = Array.from({ length: 5 }, (_, i) => {
      const x = w.begin();
      x.series(labels);
      x.sample(10 + i, i);
      return x.commit();
    });
    await expect(Promise.all(writes)).resolves.toHaveLength(5);
    // The first went alone; the other four waited for its acknowledgement and went together.
    expect(await streamMessages()).toBe(before + 2);
    const jsm = await jetstreamManager(nc);
    const last = await jsm.streams.getMessage(STREAM_SAMPLES, { seq: before + 2 });
    expect([...decodeSampleBatch(last!.data).timestamps]).toEqual([11, 12, 13, 14]);
    w.close();
  });
  it('SampleWriter splits one write larger than a batch may be, also when it goes at once', async () => {
    const kv = await new Kvm(nc).create(KV_SERIES, { history: 1 });
    const w = writer(kv, { ackDeadlineMs: 10_000 });
    const n = 2 * COALESCED_BATCH_MAX_POINTS + 5;
    const before = await streamMessages();
    const x = w.begin();
    x.series({ __name__: 'one_big_write' });
    for (let i = 0; i < n; i++) x.sample(1_000_000 + i, i);
    expect(await x.commit()).toMatchObject({ samples: n, series: 1 });
    expect(await streamMessages()).toBe(before + 3);
    const jsm = await jetstreamManager(nc);
    const sizes: number[] = [];
    for (let seq = before + 1; seq <= before + 3; seq++)
      sizes.push(
        decodeSampleBatch((await jsm.streams.getMessage(STREAM_SAMPLES, { seq }))!.data).count,
      );
    expect(sizes).toEqual([COALESCED_BATCH_MAX_POINTS, COALESCED_BATCH_MAX_POINTS, 5]);
    w.close();
  });

  it('SampleWriter finds series by label bytes anywhere and reuses columns between writes', async () => {
    const kv = await new Kvm(nc).create(KV_SERIES, { history: 1 });
    const w = writer(kv);
    const bytesA = Buffer.from('..label bytes of a..');
    const bytesB = Buffer.from('label bytes of b');
    const jsm = await jetstreamManager(nc);
    const lastBatch = async (): Promise<{ ids: bigint[]; timestamps: number[] }> => {
      const m = await jsm.streams.getMessage(STREAM_SAMPLES, { seq: await streamMessages() });
      const b = decodeSampleBatch(m!.data);
      return { ids: [...b.seriesIds], timestamps: [...b.timestamps] };
    };
    const first = w.begin();
    expect(first.seriesByKey(bytesA, 2, 18)).toBe(false);
    first.series({ __name__: 'a' }, { buf: bytesA, start: 2, end: 18 });
    for (let i = 0; i < 50; i++) first.sample(i, i);
    first.series({ __name__: 'b' }, { buf: bytesB, start: 0, end: bytesB.length });
    first.sample(100, 1);
    await first.commit();
    expect(await lastBatch()).toMatchObject({ timestamps: [...Array(50).keys(), 100] });
    // The same bytes at another offset of another buffer are the same series; a write after
    // a larger one carries only its own points in the reused columns.
    const second = w.begin();
    expect(second.seriesByKey(Buffer.from('label bytes of a'), 0, 16)).toBe(true);
    second.sample(7, 7);
    expect(second.seriesByKey(bytesA, 2, 17)).toBe(false); // one byte short: another key
    expect(await second.commit()).toMatchObject({ samples: 1, series: 1 });
    expect(await lastBatch()).toEqual({ ids: [seriesId('a')], timestamps: [7] });
    await expect(second.commit()).resolves.toMatchObject({ samples: 0 });
    // Columns a very large write grew are not kept for later writes; others are.
    const grown = new PartitionGroups(1, 70_000);
    w.reuseGroups(grown);
    expect(w.groupsFor(16)).not.toBe(grown);
    const kept = new PartitionGroups(1, 1000);
    w.reuseGroups(kept);
    expect(w.groupsFor(16)).toBe(kept);
    w.close();
  });
});
