import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AckPolicy,
  DeliverPolicy,
  jetstreamManager,
  JetStreamApiError,
  type Consumer,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  CHUNKS_WILDCARD,
  chunksSubject,
  DEFAULT_RETRY_DEADLINE_MS,
  publishDeadLetter,
  STREAM_CHUNKS,
  RepeatedWarnings,
  withRetry,
} from '@ztsdb/bus';
import { warmDirOf } from '@ztsdb/config-lite';
import { LATENCY_BUCKETS, processMetrics } from '@ztsdb/metrics';
import { addedEvent, sizeAndCrc, type FileCatalog, type ManifestPublisher } from '@ztsdb/manifest';
import { seriesKey } from '@ztsdb/model';
import type { TierStore } from '@ztsdb/tierstore';
import { warmFileName, writeWarmSegment, type SealedChunk } from '@ztsdb/tsdb';
import { decodeChunkMessage } from '@ztsdb/wire';
import type { CompactorOptions } from './compactor-options';

export const COMPACTOR_CONSUMER = 'ztsdb-compactor';
/** The consumer of one partition's chunks when compactor replicas share the partitions by leases. */
export const compactorConsumer = (partition: number): string =>
  `${COMPACTOR_CONSUMER}-p${partition}`;

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
  ['reason'],
);
const alreadyWarm = processMetrics.counter(
  'ztsdb_compactor_chunks_already_warm_total',
  'Chunks delivered again that a recorded warm file already holds (acknowledged, not written).',
);
const warmWriteSeconds = processMetrics.histogram(
  'ztsdb_compactor_warm_write_seconds',
  'Time to write, fsync and record one warm file (compaction latency of sealed chunks).',
  LATENCY_BUCKETS,
);
const stalls = processMetrics.counter(
  'ztsdb_compactor_write_failures_total',
  'Failed attempts to write a batch of warm files (retried), by error code.',
  ['reason'],
);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The first pull of a batch bounded in bytes: it gives the chunks' size for the next. */
const FIRST_PULL_CHUNKS = 16;

/**
 * The durable consumer on `ztsdb.chunks.p.*`: fetches sealed chunks in
 * batches of at most ZTSDB_WARM_BATCH_CHUNKS chunks and about
 * ZTSDB_WARM_BATCH_BYTES bytes (with a sink per partition, a burst that seals
 * every series' chunk at once would otherwise be held whole), writes one warm
 * segment per partition per batch (temp name, fsync, rename), puts it into
 * the object store bucket `ztsdb_tiers`, records it with a `warm-added`
 * event that names the object and the chunks' stream sequences, and only
 * then acknowledges the chunks.
 *
 * The manifest, not the consumer's state, says where to resume: a chunk at
 * or below its partition's recorded sequence is acknowledged without being
 * written again. A batch that cannot be written (disk full) is retried as it
 * is, never fetched past, so chunks are handled in stream order.
 */
export class WarmSink {
  private running = false;
  /** Set by stop(): a consumer (re-)creation waiting out NATS gives up at once. */
  private stopped = false;
  /** The fetch the loop is reading, ended by stop(). */
  private fetching: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private consumer!: Consumer;
  private readonly stall: RepeatedWarnings;
  private readonly name: string;

  /**
   * `partition` undefined: one consumer of every partition's chunks (a single
   * compactor); else the consumer of that partition only (its lease holder).
   */
  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly catalog: FileCatalog,
    private readonly manifest: ManifestPublisher,
    private readonly tiers: TierStore,
    private readonly opts: CompactorOptions,
    private readonly partition?: number,
  ) {
    this.stall = new RepeatedWarnings(opts.warn, opts.stallLogMs ?? 60_000);
    this.name = partition === undefined ? COMPACTOR_CONSUMER : compactorConsumer(partition);
  }

  /**
   * Re-creates the durable consumer at the sequence the manifest resumes
   * from, so that what a killed compactor left unacknowledged comes again at
   * once instead of after the ack wait (one compactor per partition).
   */
  async start(): Promise<void> {
    await this.openConsumer();
    this.running = true;
    this.loop = this.run();
  }

  private async openConsumer(): Promise<void> {
    const retry = {
      ...(this.opts.retry ?? { deadlineMs: DEFAULT_RETRY_DEADLINE_MS, log: this.opts.warn }),
      stopped: () => this.stopped,
    };
    const jsm = await withRetry('JetStream manager', () => jetstreamManager(this.nc), retry);
    const name = this.name;
    const p = this.partition;
    let startSeq =
      p === undefined
        ? this.catalog.chunkResumeSeq()
        : this.catalog.chunksCoveredThrough(p) > 0
          ? this.catalog.chunksCoveredThrough(p) + 1
          : undefined;
    let old: ConsumerInfo | undefined;
    try {
      old = await withRetry(
        `consumer info ${name}`,
        () => jsm.consumers.info(STREAM_CHUNKS, name),
        retry,
      );
    } catch (e) {
      if (!(e instanceof JetStreamApiError)) throw e;
      // no consumer yet
    }
    if (startSeq === undefined && old) {
      // A manifest written before events named chunk sequences: the old consumer's position.
      startSeq = Math.max(old.ack_floor.stream_seq + 1, old.config.opt_start_seq ?? 1);
    }
    if (old)
      await withRetry(
        `deleting consumer ${name}`,
        () => jsm.consumers.delete(STREAM_CHUNKS, name),
        retry,
      );
    const config = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      filter_subject: p === undefined ? CHUNKS_WILDCARD : chunksSubject(p),
      ack_wait: 120_000_000_000,
      max_ack_pending: this.opts.batchChunks * 4,
      ...(startSeq !== undefined
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq }
        : { deliver_policy: DeliverPolicy.All }),
    };
    await withRetry(
      `creating consumer ${name}`,
      () => jsm.consumers.add(STREAM_CHUNKS, config),
      retry,
    );
    this.opts.log(
      `${p === undefined ? '' : `partition ${p}: `}chunk consumer starts at ${startSeq === undefined ? 'the first chunk' : `chunk ${startSeq}`}`,
    );
    this.consumer = await withRetry(
      `consumer ${name}`,
      () => this.js.consumers.get(STREAM_CHUNKS, name),
      retry,
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    // A fetch waits for its end from the server: with the server gone (killed, not shut down)
    // it would wait until NATS comes back, and the compactor would never stop.
    this.fetching?.stop();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const msgs: JsMsg[] = [];
      try {
        await this.fetchBatch(msgs);
      } catch (e) {
        if (!this.running || this.nc.isClosed()) return;
        this.opts.warn(`chunk consumer: ${(e as Error).message}; re-creating it`);
        await sleep(500);
        // The server may have delivered messages to the failed fetch (heartbeats missed while
        // the event loop was busy): they would wait out the ack wait (2 min) before coming
        // again. Re-created at the first chunk not in a warm file, they come at once.
        await this.openConsumer().catch((err: Error) =>
          this.opts.warn(`chunk consumer: cannot re-create it: ${err.message}; retrying`),
        );
        continue;
      }
      if (msgs.length > 0) await this.writeUntilDone(msgs);
    }
  }

  /**
   * Fills `msgs` with the next batch: what one pull of batchChunks brings (all of it waiting, or
   * what came within the flush interval); or, bounded in bytes, a pull of FIRST_PULL_CHUNKS and
   * then pulls of as many more chunks of their mean size as fit in batchBytes, until the batch
   * holds about batchBytes or batchChunks or a pull comes back short (nothing more waits) or the
   * flush interval is over (a batch may so take up to twice the interval). A pull delivers every
   * message it asks for that is there, so one of batchChunks would take a whole burst of sealed
   * chunks into memory; and the client bounds a pull in messages or in bytes, not both (by bytes
   * alone it asks for 100 messages at most).
   */
  private async fetchBatch(msgs: JsMsg[]): Promise<void> {
    const { batchChunks, batchBytes } = this.opts;
    const flushMs = Math.max(1000, this.opts.flushMs);
    const started = Date.now();
    let bytes = 0;
    let want = batchBytes === undefined ? batchChunks : Math.min(FIRST_PULL_CHUNKS, batchChunks);
    for (;;) {
      // Every pull gets the whole interval: a shorter one would also get a shorter idle
      // heartbeat, missed whenever another partition's write holds the event loop.
      const pull = await this.consumer.fetch({ max_messages: want, expires: flushMs });
      this.fetching = pull;
      if (this.stopped) pull.stop();
      let got = 0;
      for await (const m of pull) {
        msgs.push(m);
        bytes += m.data.length;
        got++;
      }
      this.fetching = undefined;
      if (batchBytes === undefined || got < want || this.stopped) return;
      if (Date.now() - started >= flushMs) return;
      const more = Math.min(
        batchChunks - msgs.length,
        Math.floor((batchBytes - bytes) / (bytes / msgs.length)),
      );
      if (more < 1) return;
      want = more;
    }
  }

  /**
   * Retries one batch until it is written and recorded (or the sink stops),
   * keeping its messages from redelivery meanwhile; the failure is logged
   * once a minute, and once more when it is over.
   */
  private async writeUntilDone(msgs: JsMsg[]): Promise<void> {
    let delay = 250;
    let failingSince: number | undefined;
    for (;;) {
      try {
        await this.write(msgs);
        if (failingSince !== undefined) {
          this.stall.reset('write');
          this.opts.log(
            `warm files are written again after ${Math.round((Date.now() - failingSince) / 1000)} s; nothing was lost`,
          );
        }
        return;
      } catch (e) {
        if (!this.running || this.nc.isClosed()) return;
        failingSince ??= Date.now();
        const err = e as NodeJS.ErrnoException;
        const why = err.code === 'ENOSPC' ? 'the disk is full' : 'a write failed';
        this.stall.report(
          'write',
          `cannot write warm files: ${why} (${err.message}); chunks are not acknowledged and stay in the stream, retrying until it succeeds`,
        );
        stalls.inc({ reason: err.code ?? 'other' });
        for (const m of msgs) m.working();
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /** Writes, records and acknowledges one fetched batch; chunks already in warm files are only acknowledged. */
  async write(msgs: JsMsg[]): Promise<void> {
    const batchMin = msgs.reduce((min, m) => Math.min(min, m.seq), Infinity);
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
      if (m.seq <= this.catalog.chunksCoveredThrough(c.partition)) {
        alreadyWarm.inc();
        m.ack();
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
      const started = performance.now();
      const seq = this.catalog.nextWarmSeq(partition);
      this.catalog.reserveWarmSeq(partition, seq);
      const file = `${warmDirOf(partition)}/${warmFileName(seq)}`;
      const local = path.join(this.opts.dataDir, file);
      const pieces = await writeWarmSegment(local, partition, g.chunks);
      let object: string;
      try {
        object = await this.tiers.upload(file, sizeAndCrc(pieces).crc32c);
      } catch (e) {
        // No event names the file yet, and the retry writes its chunks under the next name:
        // left here, it would stay unrecorded below recorded names, which start-up keeps.
        fs.rmSync(local, { force: true });
        throw e;
      }
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
          object,
          chunks: g.chunks.map((c) => ({
            id: seriesKey(c.seriesId),
            minT: c.minT,
            maxT: c.maxT,
            count: c.count,
          })),
          chunkSeqs: {
            min: g.msgs[0]!.seq,
            max: g.msgs[g.msgs.length - 1]!.seq,
            batchMin,
          },
        },
      );
      await this.manifest.record(event);
      for (const m of g.msgs) m.ack();
      chunksIn.inc({}, g.chunks.length);
      warmFiles.inc();
      warmBytes.inc({}, event.bytes);
      warmWriteSeconds.observe((performance.now() - started) / 1000);
    }
  }
}
