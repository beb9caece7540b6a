import * as path from 'node:path';
import {
  AckPolicy,
  DeliverPolicy,
  jetstreamManager,
  type Consumer,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CHUNKS_WILDCARD, publishDeadLetter, STREAM_CHUNKS } from '@ztsdb/bus';
import { writeFileAtomic } from '@ztsdb/fileutil';
import { processMetrics } from '@ztsdb/metrics';
import { seriesKey } from '@ztsdb/model';
import { encodeWarmSegment, warmFileName, type FileCatalog, type SealedChunk } from '@ztsdb/tsdb';
import { decodeChunkMessage } from '@ztsdb/wire';
import type { CompactorOptions } from './compactor-options';
import { warmDirOf } from './compactor-options';
import { addedEvent } from './file-events';
import type { ManifestPublisher } from './manifest-publisher';

export const COMPACTOR_CONSUMER = 'ztsdb-compactor';

const chunksIn = processMetrics.counter(
  'ztsdb_compactor_chunks_total',
  'Sealed chunks written into warm files.',
);
const warmFiles = processMetrics.counter(
  'ztsdb_compactor_warm_files_total',
  'Warm segment files written and recorded.',
);
const warmBytes = processMetrics.counter(
  'ztsdb_compactor_warm_bytes_total',
  'Bytes of warm segment files written.',
);
const badChunks = processMetrics.counter(
  'ztsdb_compactor_dead_letters_total',
  'Chunk messages that could not be decoded, by reason.',
);

/**
 * The durable consumer on `ztsdb.chunks.p.*`: fetches sealed chunks in
 * batches, writes one warm segment per partition per batch (temp name,
 * fsync, rename), records it with a `warm-added` event, and only then
 * acknowledges the chunks. Anything not acknowledged is delivered again
 * after a crash; a chunk written twice is harmless (one value per timestamp).
 */
export class WarmSink {
  private running = false;
  private loop: Promise<void> | undefined;
  private consumer!: Consumer;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly catalog: FileCatalog,
    private readonly manifest: ManifestPublisher,
    private readonly opts: CompactorOptions,
  ) {}

  /**
   * Creates the durable consumer, or re-creates it at its acknowledgement
   * floor so that what a killed compactor left unacknowledged comes again
   * at once instead of after the ack wait (one compactor per deployment).
   */
  async start(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    let startSeq: number | undefined;
    try {
      const info = await jsm.consumers.info(STREAM_CHUNKS, COMPACTOR_CONSUMER);
      startSeq = info.ack_floor.stream_seq + 1;
      await jsm.consumers.delete(STREAM_CHUNKS, COMPACTOR_CONSUMER);
    } catch {
      // no consumer yet: start from the first chunk
    }
    await jsm.consumers.add(STREAM_CHUNKS, {
      durable_name: COMPACTOR_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      filter_subject: CHUNKS_WILDCARD,
      ack_wait: 120_000_000_000,
      max_ack_pending: this.opts.batchChunks * 4,
      ...(startSeq !== undefined
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq }
        : { deliver_policy: DeliverPolicy.All }),
    });
    this.consumer = await this.js.consumers.get(STREAM_CHUNKS, COMPACTOR_CONSUMER);
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const batch = await this.consumer.fetch({
          max_messages: this.opts.batchChunks,
          expires: Math.max(1000, this.opts.flushMs),
        });
        const msgs: JsMsg[] = [];
        for await (const m of batch) msgs.push(m);
        if (msgs.length > 0) await this.write(msgs);
      } catch (e) {
        if (!this.running || this.nc.isClosed()) return;
        this.opts.warn(`chunk consumer: ${(e as Error).message}; retrying`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Writes, records and acknowledges one fetched batch. */
  async write(msgs: JsMsg[]): Promise<void> {
    const byPartition = new Map<number, { chunks: SealedChunk[]; msgs: JsMsg[] }>();
    for (const m of msgs) {
      let c;
      try {
        c = decodeChunkMessage(m.data);
        if (c.partition >= this.opts.partitions)
          throw new Error(`partition ${c.partition} is not below ${this.opts.partitions}`);
      } catch (e) {
        const reason = (e as { code?: string }).code ?? 'ZTSDB_BAD_CHUNK';
        badChunks.inc({ reason });
        publishDeadLetter(
          this.nc,
          'chunks',
          m.data,
          `${reason}: ${(e as Error).message}`,
          m.subject,
        );
        m.term();
        continue;
      }
      let g = byPartition.get(c.partition);
      if (!g) byPartition.set(c.partition, (g = { chunks: [], msgs: [] }));
      g.chunks.push({
        seriesId: c.seriesId,
        minT: c.minT,
        maxT: c.maxT,
        count: c.count,
        version: m.seq,
        bytes: c.chunk,
      });
      g.msgs.push(m);
    }
    for (const [partition, g] of [...byPartition].sort((a, b) => a[0] - b[0])) {
      const seq = this.catalog.nextWarmSeq(partition);
      this.catalog.reserveWarmSeq(partition, seq);
      const file = `${warmDirOf(partition)}/${warmFileName(seq)}`;
      const pieces = encodeWarmSegment(partition, g.chunks);
      await writeFileAtomic(path.join(this.opts.dataDir, file), pieces);
      let minT = Infinity;
      let maxT = -Infinity;
      let points = 0;
      const series = new Set<bigint>();
      for (const c of g.chunks) {
        if (c.minT < minT) minT = c.minT;
        if (c.maxT > maxT) maxT = c.maxT;
        points += c.count;
        series.add(c.seriesId);
      }
      const event = addedEvent(
        'warm-added',
        partition,
        file,
        pieces,
        { minT, maxT, seriesCount: series.size, points },
        {
          chunks: g.chunks.map((c) => ({
            id: seriesKey(c.seriesId),
            minT: c.minT,
            maxT: c.maxT,
            count: c.count,
          })),
        },
      );
      await this.manifest.record(event);
      for (const m of g.msgs) m.ack();
      chunksIn.inc({}, g.chunks.length);
      warmFiles.inc();
      warmBytes.inc({}, event.bytes);
    }
  }
}
