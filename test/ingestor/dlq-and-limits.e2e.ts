import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { HEADER_REASON, manifestSubject, samplesSubject, STREAM_CHUNKS } from '@ztsdb/bus';
import { decodeChunk } from '@ztsdb/chunkenc';
import { seriesKey } from '@ztsdb/model';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { warmFileName } from '@ztsdb/tsdb';
import {
  decodeChunkMessage,
  encodeManifestEvent,
  encodeSampleBatch,
  manifestEventId,
  type ChunkMessage,
} from '@ztsdb/wire';
import { freePort, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';
import {
  connectTo,
  expectExactlyAcked,
  ingestorEnv,
  makeSeries,
  PARTITIONS,
  queryHot,
  T0,
  TestPublisher,
} from './ingest-fixture';

describe('ingestor: dead letters, limits, startup checks, manifest', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const data = tempDir('ztsdb-ingest-dlq-');

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connectTo(server.url);
  });
  afterAll(async () => {
    await stopAllZtsdb();
    await nc?.close();
    await server?.stop();
    data.remove();
  });

  it('sends a bad checksum, a wrong partition and absurd timestamps to the DLQ with the reason, counts them, and goes on', async () => {
    const port = await freePort();
    const ingestor = ZtsdbProcess.start(
      ['ingestor'],
      ingestorEnv(server.url, data.path, {
        ZTSDB_INGESTOR_ID: 'dlq',
        ZTSDB_INGESTOR_HTTP_ADDR: `127.0.0.1:${port}`,
      }),
    );
    const series = makeSeries(20, 5000);
    const pub = new TestPublisher(nc, series, 20);
    pub.start();
    await waitFor(() => pub.ackedBatches > 20, 'some batches');

    const dlq = nc.subscribe('ztsdb.dlq.samples', { max: 3, timeout: 15_000 });
    const js = jetstream(nc);
    const ids0 = series.get(0)!;
    const good = encodeSampleBatch(
      { partition: 0, producerId: 9n, sequence: 1n },
      ids0,
      ids0.map(() => T0),
      ids0.map(() => 1),
    );
    const flipped = good.slice();
    flipped[40] = flipped[40]! ^ 0x10;
    await js.publish(samplesSubject(0), flipped);
    const ids1 = series.get(1)!;
    await js.publish(
      samplesSubject(0),
      encodeSampleBatch(
        { partition: 1, producerId: 9n, sequence: 2n },
        ids1,
        ids1.map(() => T0),
        ids1.map(() => 1),
      ),
    );
    await js.publish(
      samplesSubject(0),
      encodeSampleBatch(
        { partition: 0, producerId: 9n, sequence: 3n },
        ids0,
        ids0.map(() => Date.now() + 3 * 86_400_000),
        ids0.map(() => 1),
      ),
    );
    const reasons: string[] = [];
    for await (const m of dlq) reasons.push(m.headers?.get(HEADER_REASON) ?? '');
    expect(reasons[0]).toMatch(/^ZTSDB_WIRE_CHECKSUM: /);
    expect(reasons[1]).toMatch(
      /^ZTSDB_WRONG_PARTITION: batch for partition 1 arrived on partition 0/,
    );
    expect(reasons[2]).toMatch(/^ZTSDB_ABSURD_TIMESTAMP: /);

    // A flood of bad batches: every one is counted and goes to the DLQ, but the log gets one
    // line per reason per ZTSDB_WARN_INTERVAL (60 s), not one per batch.
    const flood = nc.subscribe('ztsdb.dlq.samples', { max: 300, timeout: 30_000 });
    await Promise.all(Array.from({ length: 300 }, () => js.publish(samplesSubject(0), flipped)));
    let flooded = 0;
    for await (const m of flood)
      if (/^ZTSDB_WIRE_CHECKSUM/.test(m.headers?.get(HEADER_REASON) ?? '')) flooded++;
    expect(flooded).toBe(300);
    expect(ingestor.output.match(/sent to the DLQ: ZTSDB_WIRE_CHECKSUM/g)).toHaveLength(1);

    const before = pub.ackedBatches;
    await waitFor(() => pub.ackedBatches > before + 20, 'more batches after the bad ones');
    await pub.stop();
    await expectExactlyAcked(nc, pub, series);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(
      /^ztsdb_ingestor_dead_letters_total\{reason="ZTSDB_WIRE_CHECKSUM"\} 301$/m,
    );
    expect(metrics).toMatch(
      /^ztsdb_ingestor_dead_letters_total\{reason="ZTSDB_WRONG_PARTITION"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^ztsdb_ingestor_dead_letters_total\{reason="ZTSDB_ABSURD_TIMESTAMP"\} 1$/m,
    );
    expect(metrics).toMatch(/^ztsdb_ingestor_owned_partitions 4$/m);
  });

  it('refuses to start when the samples stream keeps messages for less than twice the maximum chunk age', async () => {
    const p = ZtsdbProcess.start(
      ['ingestor'],
      ingestorEnv(server.url, data.path, { ZTSDB_CHUNK_MAX_AGE: '13h' }),
    );
    expect(await p.exit()).toBe(1);
    expect(p.output).toMatch(
      /keeps messages for 24 h, but a hot chunk may stay unsealed for ZTSDB_CHUNK_MAX_AGE=13 h/,
    );
  });
});

describe('ingestor: sealed chunks', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const data = tempDir('ztsdb-ingest-seal-');

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connectTo(server.url);
  });
  afterAll(async () => {
    await stopAllZtsdb();
    await nc?.close();
    await server?.stop();
    data.remove();
  });

  it('publishes chunks sealed by age and drops them from memory once a warm file holds them', async () => {
    ZtsdbProcess.start(
      ['ingestor'],
      ingestorEnv(server.url, data.path, { ZTSDB_CHUNK_MAX_AGE: '1s', ZTSDB_INGESTOR_ID: 'seal' }),
    );
    const series = makeSeries(8, 7000);
    const pub = new TestPublisher(nc, series, 20);
    pub.start();
    await waitFor(() => pub.ackedBatches > 40, 'some batches');
    await pub.stop();
    // Timestamps are an hour old: every chunk is older than 1 s and gets sealed and published.
    const chunks = await waitFor(
      async () => {
        const got = await readChunks(nc);
        const points = got.reduce((n, c) => n + c.count, 0);
        return points === 8 * pub.acked.values().next().value!.size ? got : undefined;
      },
      'every point in published chunks',
      15_000,
      200,
    );
    // Sealed chunks are still answered from memory.
    await expectExactlyAcked(nc, pub, series);
    // The chunks hold exactly the points that were acknowledged (timestamps are 1 s apart: one point each at a 1 s maximum age).
    const fromChunks = new Map<bigint, Array<[number, number]>>();
    for (const c of chunks) {
      const pts = decodeChunk(c.chunk);
      const list = fromChunks.get(c.seriesId) ?? [];
      pts.timestamps.forEach((t, i) => list.push([t, pts.values[i]!]));
      fromChunks.set(c.seriesId, list);
    }
    for (const [id, want] of pub.acked) {
      expect(fromChunks.get(id)!.sort((a, b) => a[0] - b[0])).toEqual(
        [...want.entries()].sort((a, b) => a[0] - b[0]),
      );
    }
    // The compactor says the chunks of partition 0 are in a warm file: the ingestor drops them.
    const js = jetstream(nc);
    const p0 = chunks.filter((c) => c.partition === 0);
    expect(p0.length).toBeGreaterThan(0);
    const event = {
      kind: 'warm-added' as const,
      partition: 0,
      file: `warm/p0/${warmFileName(1)}`,
      bytes: 1,
      crc32c: 0,
      minT: T0,
      maxT: T0 + 1e6,
      seriesCount: p0.length,
      points: 0,
      chunks: p0.map((c) => ({
        id: seriesKey(c.seriesId),
        minT: c.minT,
        maxT: c.maxT,
        count: c.count,
      })),
      atMs: Date.now(),
    };
    await js.publish(manifestSubject(0), encodeManifestEvent(event), {
      msgID: manifestEventId(event),
    });
    await waitFor(
      async () => {
        const hot = await queryHot(nc, series);
        return (
          series.get(0)!.every((id) => (hot.get(id) ?? []).length === 0) &&
          series.get(1)!.every((id) => (hot.get(id) ?? []).length > 0)
        );
      },
      'partition 0 chunks to be dropped, the others kept',
      10_000,
      100,
    );
    expect(PARTITIONS).toBe(4);
  });
});

async function readChunks(nc: NatsConnection): Promise<ChunkMessage[]> {
  const jsm = await jetstreamManager(nc);
  const last = (await jsm.streams.info(STREAM_CHUNKS)).state.last_seq;
  if (last === 0) return [];
  const ci = await jsm.consumers.add(STREAM_CHUNKS, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    mem_storage: true,
    inactive_threshold: 30e9,
  });
  const out: ChunkMessage[] = [];
  try {
    const consumer = await jsm.jetstream().consumers.get(STREAM_CHUNKS, ci.name);
    const msgs = await consumer.fetch({ max_messages: 10_000, expires: 1000 });
    for await (const m of msgs) {
      out.push(decodeChunkMessage(m.data));
      if (m.seq >= last) break;
    }
  } finally {
    await jsm.consumers.delete(STREAM_CHUNKS, ci.name).catch(() => undefined);
  }
  return out;
}
