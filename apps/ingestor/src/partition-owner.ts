// Over 400 lines: one partition's consumer loop, WAL writes, acknowledgements and sealing share
// the ordering state that keeps "acknowledged after durable" true; its log opening, checkpoint,
// manifest following, chunk publishing and stream switch are already modules of their own, and
// the rest is split by job with the one-engine restructuring (libs/tsdb owning the head and WAL).
import { Logger } from '@nestjs/common';
import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  RepeatedWarnings,
  samplesSubject,
  STREAM_SAMPLES,
  type DeadLetterReporter,
} from '@ztsdb/bus';
import { BUFFER_CAPACITY, DRAIN_BATCH } from '@ztsdb/tsdb';
import {
  decodeSampleBatch,
  WireDecodeError,
  type SampleBatch,
  type SeriesPoints,
} from '@ztsdb/wire';
import { checkBatch, type BatchLimits } from './batch-check';
import { ChunkPublisher } from './chunk-publisher';
import type { DiskGuard } from './disk-guard';
import { HotResponder } from './hot-responder';
import { HotState } from './hot-state';
import { metrics } from './ingestor-metrics';
import { LocalLog } from './local-log';
import { WalWriteError } from './lmdb-write';
import { ManifestFollower } from './manifest-follower';
import {
  checkpointKey,
  consumerName,
  readReplayFrom,
  type PartitionCheckpoint,
} from './partition-checkpoint';
import { carryOverLog, openPartitionLog, type PartitionLogContext } from './partition-log';
import { moveToNewStream } from './stream-switch';

const nanos = (ms: number): number => ms * 1_000_000;

export interface PartitionOwnerOptions {
  partition: number;
  dataDir: string;
  maxChunkAgeMs: number;
  snapshotIntervalMs: number;
  checkpointIntervalMs: number;
  limits: BatchLimits;
  /** Points acknowledged but not yet in the head before fetching stops. */
  bufferCapacity?: number;
  /** The disk under the data dir (shared by the partitions): no write, and no acknowledgement, while it is full. */
  disk: DiskGuard;
  /** ZTSDB_WAL_MAX_BYTES: batches written since the last snapshot before an early one trims the WAL. */
  walMaxBytes: number;
  /** Bad batches go here (DLQ, counts, rate-limited log lines). */
  deadLetters: DeadLetterReporter;
  /** ZTSDB_WARN_INTERVAL: repeated warnings of this partition are logged at most this often. */
  warnIntervalMs: number;
}

export { checkpointKey, consumerName } from './partition-checkpoint';
export type { PartitionCheckpoint } from './partition-checkpoint';

interface Pending {
  m: JsMsg;
  seq: number;
  batch: SampleBatch | null;
  /** A redelivery of a sequence already received: acknowledged with its group, never applied. */
  dup?: boolean;
}

/**
 * Everything one replica does for one partition it owns: rebuild the hot
 * state (own WAL, else the stream from the checkpoint), consume the samples
 * through a durable pull consumer (WAL write → durable → ack → head), seal
 * and publish chunks, record checkpoints, follow the manifest, answer hot
 * queries. Created when the lease is won, stopped when it is given up or lost.
 */
export class PartitionOwner {
  private readonly log = new Logger('ingestor');
  readonly partition: number;
  state!: HotState;
  private wal!: LocalLog;
  private readonly hot: HotResponder;
  private messages: ConsumerMessages | undefined;
  private readonly manifest: ManifestFollower;
  private loop: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private resetWanted = '';
  private caughtUp = false;
  private lastDseq = 0;
  /** Highest sequence written to the WAL (or skipped); ≥ state.appliedSeq. */
  private receivedSeq = 0;
  private group: Pending[] = [];
  private groupPoints = 0;
  private lastPut: Promise<boolean> = Promise.resolve(true);
  /** False from a failed WAL write until the consumer is re-created: an ack would cover the failed messages (AckPolicy.All). */
  private acking = true;
  /** A WAL write failed: later transactions may hold batches past the failed ones, removed before resuming. */
  private walHole = false;
  private resetting: Promise<void> | undefined;
  private serving = false;
  /** Creation time of the samples stream the state's sequences belong to. */
  streamId = '';
  private readonly warnings: RepeatedWarnings;
  private readonly publisher: ChunkPublisher;
  private chain: Promise<void> = Promise.resolve();
  private commitScheduled = false;
  private readonly buffer: Pending[] = [];
  private inflightPoints = 0;
  private drainScheduled = false;
  private spaceWaiter: (() => void) | undefined;
  private lastCheckpoint = '';
  private readonly capacity: number;
  /**
   * Rebuilding from the stream: batches go to the head without a WAL copy
   * (the stream holds them, and no checkpoint moves before the takeover ends);
   * a snapshot made once caught up makes the local log whole again.
   */
  private replaying = false;
  /** While set, the consumer loop waits before handling the next message. */
  private gate: Promise<void> | undefined;
  /** Resolves once the hot state is rebuilt and the partition is served. */
  ready!: Promise<void>;
  source: 'wal' | 'stream' = 'stream';
  recoveredPoints = 0;
  hotPointsAtTakeover = 0;
  recoveryMs = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly config: KV,
    private readonly memberId: string,
    private readonly opts: PartitionOwnerOptions,
  ) {
    this.partition = opts.partition;
    this.capacity = opts.bufferCapacity ?? BUFFER_CAPACITY;
    this.hot = new HotResponder(nc, this.partition, (ids, s, e) => this.queryHot(ids, s, e));
    this.warnings = new RepeatedWarnings((l) => this.log.warn(l), opts.warnIntervalMs);
    this.publisher = new ChunkPublisher(js, this.partition, () => this.state, this.warnings);
    this.manifest = new ManifestFollower(js, this.partition, () => this.state, this.warnings);
  }

  private logContext(): PartitionLogContext {
    return { ...this.opts, log: this.log, stopping: () => this.stopping };
  }

  get consumer(): string {
    return consumerName(this.partition);
  }

  /** True while the partition consumes (taken over, consumer open, disk not full). */
  consuming(): boolean {
    return this.serving && !this.resetting && !this.resetWanted && !this.opts.disk.full;
  }

  /** Why the partition does not consume ('' when it does), for /readyz. */
  problem(): string {
    if (this.opts.disk.full) return this.opts.disk.reason;
    if (!this.serving) return 'taking over';
    if (this.resetting || this.resetWanted)
      return `re-creating its consumer (${this.resetWanted || 'pending'})`;
    return '';
  }

  /** Starts the takeover in the background; `ready` tells when it is done. */
  start(): void {
    this.ready = this.takeOver();
    this.ready.catch((e: Error) =>
      this.log.error(`partition ${this.partition}: takeover failed: ${e.message}`),
    );
  }

  private async takeOver(): Promise<void> {
    const p = this.partition;
    const t0 = Date.now();
    const info = await this.jsm.streams.info(STREAM_SAMPLES);
    const streamId = info.created;
    const ctx = this.logContext();
    const wal = await openPartitionLog(ctx);
    if (!wal || this.stopping) return;
    this.wal = wal;
    const carried =
      wal.streamId() === streamId
        ? undefined
        : await carryOverLog(
            ctx,
            wal,
            streamId,
            (s) => (this.state = s),
            () => this.publisher.drained(),
          );
    this.streamId = streamId;
    const replayFrom = carried
      ? 1
      : await readReplayFrom(this.config, p, streamId, (l) => this.log.warn(l));
    const local = carried
      ? { state: carried, replayedPoints: 0 }
      : this.wal.recover(p, this.opts.maxChunkAgeMs, (why) =>
          this.log.warn(`partition ${p}: ${why}; rebuilding from the stream`),
        );
    if (local && local.state.appliedSeq + 1 >= replayFrom) {
      this.state = local.state;
      this.source = 'wal';
      this.recoveredPoints = local.replayedPoints;
    } else {
      // Nothing of the old log may survive: until the snapshot at the end of
      // the replay, the log must read as empty (a crash then rebuilds from the stream again).
      await this.wal.clear(streamId);
      this.state = new HotState(p, this.opts.maxChunkAgeMs);
      this.state.appliedSeq = replayFrom - 1;
      this.source = 'stream';
      this.replaying = true;
    }
    this.receivedSeq = this.state.appliedSeq;
    if (this.stopping) return;
    const startSeq = this.state.appliedSeq + 1;
    if (startSeq > 1 && startSeq < info.state.first_seq) {
      this.log.error(
        `partition ${p}: the stream no longer holds sequences ${startSeq}..${info.state.first_seq - 1} (retention); points in them that were not in warm files are lost`,
      );
    }
    await this.openConsumer(startSeq);
    // Catch up with what the stream holds now before serving queries: a
    // taken-over partition answers with everything that was acknowledged.
    // (A full disk stops consuming: serve what is there.)
    while (!this.stopping && !this.caughtUp && !this.opts.disk.full) {
      const ci = await this.jsm.consumers
        .info(STREAM_SAMPLES, consumerName(p))
        .catch(() => undefined);
      if (ci && ci.num_pending === 0 && ci.num_ack_pending === 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    if (this.replaying) await this.endReplay();
    else {
      await new Promise((r) => setImmediate(r));
      await this.chain;
      this.drainAll();
    }
    this.recoveryMs = Date.now() - t0;
    this.hotPointsAtTakeover = this.state.openPoints + this.state.heldPoints;
    if (this.stopping) return;
    this.hot.start();
    this.serving = true;
    this.kickPublisher(); // chunks sealed before a restart and not yet published
    void this.manifest.run();
    this.startTimers();
    metrics.takeovers.inc({ source: this.source });
    this.log.log(
      `partition ${p}: serving (state from ${this.source}, from sequence ${startSeq}, ${this.state.openPoints + this.state.heldPoints} hot points, ${this.recoveryMs} ms)`,
    );
  }

  /**
   * Ends a replay from the stream: with the consumer loop held, applies what
   * was received, snapshots the state (durable), then lets the loop go on in
   * the normal mode (WAL write before ack). Every WAL entry written later has a
   * higher sequence than the snapshot, so the local log is whole from here on.
   */
  private async endReplay(): Promise<void> {
    let open!: () => void;
    this.gate = new Promise<void>((r) => (open = r));
    try {
      await new Promise((r) => setImmediate(r));
      await this.chain;
      this.drainAll();
      if (this.stopping) return;
      await this.wal.snapshot(this.state);
      this.replaying = false;
    } finally {
      this.gate = undefined;
      open();
    }
  }

  private async openConsumer(startSeq: number): Promise<void> {
    const name = consumerName(this.partition);
    const created = (await this.jsm.streams.info(STREAM_SAMPLES)).created;
    if (this.streamId !== '' && created !== this.streamId) {
      await this.adoptStream(created);
      startSeq = 1;
    }
    // Deleting the durable consumer also fences a previous owner that still fetches from it.
    await this.jsm.consumers.delete(STREAM_SAMPLES, name).catch(() => undefined);
    await this.jsm.consumers.add(STREAM_SAMPLES, {
      durable_name: name,
      filter_subject: samplesSubject(this.partition),
      // One acknowledgement per commit group: acking a message acknowledges every earlier one.
      ack_policy: AckPolicy.All,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, startSeq),
      ack_wait: nanos(30_000),
      max_ack_pending: 2048, // bounds what waits in this process: a slow head stops the fetching
    });
    const consumer = await this.js.consumers.get(STREAM_SAMPLES, name);
    this.lastDseq = 0;
    this.resetWanted = '';
    this.acking = true;
    this.messages = await consumer.consume({ max_messages: 512 });
    this.loop = this.run(this.messages);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        if (this.gate) await this.gate;
        if (this.stopping || this.resetWanted) break;
        // Nothing is written, so nothing acknowledged, while the disk is (nearly) full.
        if (!this.replaying && !this.opts.disk.hasRoom()) {
          this.resetWanted = 'disk full';
          break;
        }
        this.handle(m);
        if (this.inflightPoints >= this.capacity) {
          await new Promise<void>((r) => (this.spaceWaiter = r));
        }
      }
    } catch (e) {
      if (!this.stopping) this.resetWanted ||= `consumer failed: ${(e as Error).message}`;
    }
    if (!this.stopping && this.resetWanted) void this.reset();
    else if (!this.stopping) void this.reset('consumer ended');
  }

  /**
   * Re-creates the consumer from the first sequence not yet in the WAL (after a
   * delivery gap, a reconnect, a failed write, a full disk, a deleted consumer
   * or a re-created stream). Waits for disk space first. One at a time.
   */
  reset(why = this.resetWanted): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.resetting ??= this.resetNow(why).finally(() => (this.resetting = undefined));
    return this.resetting;
  }

  private async resetNow(why: string): Promise<void> {
    this.resetWanted ||= why;
    metrics.consumerResets.inc({ partition: String(this.partition) });
    this.log.warn(`partition ${this.partition}: re-creating the consumer (${why})`);
    await this.messages?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    await this.chain;
    for (let delay = 250; !this.stopping; delay = Math.min(delay * 2, 2000)) {
      try {
        await this.opts.disk.waitForRoom();
        if (this.stopping) return;
        if (this.walHole) {
          await this.wal.removeFrom(this.receivedSeq + 1);
          this.walHole = false;
        }
        await this.openConsumer(this.receivedSeq + 1);
        return;
      } catch (e) {
        if (e instanceof WalWriteError) this.opts.disk.writeFailed(this.wal.file, e);
        else
          this.warnings.report(
            'reset',
            `partition ${this.partition}: cannot re-create the consumer: ${(e as Error).message}`,
          );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** The samples stream was re-created: keep the points, start over at its sequence 1 (moveToNewStream). */
  private async adoptStream(created: string): Promise<void> {
    const was = this.streamId;
    this.drainAll();
    const r = await moveToNewStream(this.state, this.wal, () => this.publisher.drained(), created);
    this.streamId = created;
    this.receivedSeq = 0;
    this.lastCheckpoint = '';
    this.log.error(
      `partition ${this.partition}: the samples stream ${STREAM_SAMPLES} was re-created (created ${created}; this partition consumed the one created ${was}): its ${r.points} hot points were kept, sealed into ${r.chunks} chunks and published; consuming the new stream from sequence 1`,
    );
    await this.writeCheckpoint();
  }

  /** A WAL write failed: acknowledge nothing more, stop fetching, and wait for the disk (reset). */
  private walFailed(e: unknown): void {
    this.acking = false;
    this.walHole = true;
    this.opts.disk.writeFailed(this.wal.file, e);
    this.resetWanted ||= 'WAL write failed';
    void this.messages?.close().catch(() => undefined);
  }

  /** Called when the connection came back: deliveries may have been lost on the way. */
  reconnected(): void {
    if (this.messages && !this.stopping) {
      this.resetWanted ||= 'reconnected to NATS';
      void this.messages.close();
    }
  }

  private handle(m: JsMsg): void {
    const dseq = m.info.deliverySequence;
    if (this.lastDseq !== 0 && dseq !== this.lastDseq + 1) {
      this.resetWanted ||= `delivery gap: consumer sequence ${this.lastDseq + 1} expected, ${dseq} received`;
      return;
    }
    this.lastDseq = dseq;
    if (m.info.pending === 0) this.caughtUp = true;
    const seq = m.seq;
    if (seq <= this.receivedSeq) {
      // Not acknowledged on its own: with AckPolicy.All that would also acknowledge
      // earlier messages whose WAL write is not durable yet.
      metrics.duplicates.inc({ partition: String(this.partition) });
      this.group.push({ m, seq, batch: null, dup: true });
      if (!this.commitScheduled) {
        this.commitScheduled = true;
        setImmediate(this.commit);
      }
      return;
    }
    let batch: SampleBatch | null = null;
    let reason: [string, string] | undefined;
    try {
      batch = decodeSampleBatch(m.data);
      reason = checkBatch(batch, this.partition, this.opts.limits, Date.now());
    } catch (e) {
      reason = [
        e instanceof WireDecodeError ? e.code : 'ZTSDB_DECODE_FAILED',
        (e as Error).message,
      ];
    }
    if (reason) {
      batch = null;
      metrics.deadLetters.inc({ reason: reason[0] });
      this.opts.deadLetters.report(
        reason[0],
        reason[1],
        m.data,
        m.subject,
        `partition ${this.partition}: message ${seq} on ${m.subject}`,
      );
      if (!this.replaying) this.lastPut = this.wal.putSkip(seq);
    } else {
      if (!this.replaying) {
        this.lastPut = this.wal.putBatch(seq, m.data);
        // Bounds the WAL: trim it (snapshot) long before the timer would.
        if (this.wal.batchBytes >= this.opts.walMaxBytes / 4 && !this.snapshotting)
          void this.snapshot();
      }
      this.inflightPoints += batch!.count;
    }
    this.receivedSeq = seq;
    this.group.push({ m, seq, batch });
    if (!this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(this.commit);
    }
  }

  /** Once the group's WAL writes are durable: acknowledge, then hand the batches to the head. */
  private readonly commit = (): void => {
    this.commitScheduled = false;
    const g = this.group;
    if (g.length === 0) return;
    this.group = [];
    const put = this.lastPut;
    this.chain = this.chain.then(async () => {
      try {
        await put;
        await this.wal.flushed();
      } catch (e) {
        this.walFailed(e);
      }
      if (!this.acking) {
        // Not durable (or after one that was not): acknowledge nothing; the re-created consumer delivers these again.
        const first = g.find((e2) => !e2.dup);
        if (first) this.receivedSeq = Math.min(this.receivedSeq, first.seq - 1);
        for (const e2 of g) if (e2.batch) this.inflightPoints -= e2.batch.count;
        return;
      }
      // Acknowledging the group's last message acknowledges the whole group (AckPolicy.All).
      g[g.length - 1]!.m.ack();
      for (const e of g) if (!e.dup) this.buffer.push(e);
      this.scheduleDrain();
    });
  };

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drainSome(DRAIN_BATCH * 4);
      if (this.buffer.length > 0) this.scheduleDrain();
    });
  }

  /** Applies buffered batches until about `maxPoints` points went in. */
  private drainSome(maxPoints: number): void {
    let n = 0;
    const p = String(this.partition);
    while (this.buffer.length > 0 && n < maxPoints) {
      const e = this.buffer.shift()!;
      if (e.batch) {
        const b = e.batch;
        const t0 = performance.now();
        this.state.apply(e.seq, b.seriesIds, b.timestamps, b.values, b.count, b.producerId);
        metrics.applySeconds.observe((performance.now() - t0) / 1000);
        this.inflightPoints -= b.count;
        n += b.count;
        metrics.batches.inc({ partition: p });
        metrics.points.inc({ partition: p }, b.count);
      } else {
        this.state.skip(e.seq);
      }
    }
    if (this.spaceWaiter && this.inflightPoints < this.capacity / 2) {
      const w = this.spaceWaiter;
      this.spaceWaiter = undefined;
      w();
    }
    if (n > 0 && this.state.unpublishedCount > 0) this.kickPublisher();
  }

  private drainAll(): void {
    if (this.state) this.drainSome(Infinity);
  }

  /** Hot points of the series (the buffer is applied first, so every acknowledged point is included). */
  private queryHot(ids: bigint[], start: number, end: number): SeriesPoints[] {
    this.drainAll();
    return ids.map((id) => ({ id, ...this.state.read(id, start, end) }));
  }

  private kickPublisher(): void {
    if (!this.stopping) this.publisher.kick();
  }

  private startTimers(): void {
    const every = (ms: number, fn: () => unknown) => {
      const t = setInterval(() => {
        if (!this.stopping)
          void Promise.resolve(fn()).catch((e: Error) =>
            this.log.warn(`partition ${this.partition}: ${e.message}`),
          );
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(Math.max(100, Math.min(5000, Math.floor(this.opts.maxChunkAgeMs / 10))), () =>
      this.sealByAge(),
    );
    every(this.opts.checkpointIntervalMs, () => this.writeCheckpoint());
    every(this.opts.snapshotIntervalMs, () => this.snapshot());
  }

  private sealByAge(): void {
    // The seal needs its WAL marker: while the disk is full the chunks stay open a little longer.
    if (this.opts.disk.full) return;
    this.drainAll();
    const now = Date.now();
    if (this.state.sealByAge(now) > 0) {
      this.wal.putSeal(this.state.appliedSeq, now).catch((e) => this.walFailed(e));
      this.kickPublisher();
    }
  }

  private snapshotting: Promise<void> | undefined;
  /** Snapshot and WAL trim; a failure leaves the log whole (one transaction) and tells the disk guard. */
  private snapshot(): Promise<void> {
    if (this.snapshotting) return this.snapshotting;
    if (this.opts.disk.full) return Promise.resolve();
    this.drainAll();
    this.snapshotting = this.wal
      .snapshot(this.state)
      .catch((e) => this.opts.disk.writeFailed(this.wal.file, e))
      .finally(() => (this.snapshotting = undefined));
    return this.snapshotting;
  }

  /** Records the partition checkpoint in KV `ztsdb_config` (`checkpoint.p<n>`) when it moved. */
  async writeCheckpoint(): Promise<void> {
    if (!this.state) return;
    const replayFrom = this.state.replayFromSeq();
    const sealedBelow = this.state.sealedBelowSeq();
    const key = `${replayFrom}/${sealedBelow}`;
    if (key === this.lastCheckpoint) return;
    const cp: PartitionCheckpoint = {
      replayFrom,
      sealedBelow,
      owner: this.memberId,
      atMs: Date.now(),
      stream: this.streamId,
    };
    await this.config.put(checkpointKey(this.partition), JSON.stringify(cp));
    this.lastCheckpoint = key;
  }

  /**
   * Stops serving the partition. `handover`: the lease is ours to give away,
   * so the state is snapshotted and the checkpoint recorded first.
   */
  async stop(handover: boolean): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.hot.stop();
    await this.manifest.stop();
    this.spaceWaiter?.();
    await this.messages?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    await this.ready?.catch(() => undefined);
    if (this.commitScheduled) this.commit();
    await this.chain.catch(() => undefined);
    await this.publisher.stop();
    this.warnings.stop();
    if (this.state && this.wal) {
      this.drainAll();
      await this.snapshotting?.catch(() => undefined);
      await this.wal
        .snapshot(this.state)
        .catch((e: Error) =>
          this.log.warn(`partition ${this.partition}: snapshot failed: ${e.message}`),
        );
      if (handover)
        await this.writeCheckpoint().catch((e: Error) =>
          this.log.warn(`partition ${this.partition}: checkpoint failed: ${e.message}`),
        );
    }
    await this.wal?.close().catch(() => undefined);
  }
}
