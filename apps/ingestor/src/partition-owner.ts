import { Logger } from '@nestjs/common';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { RepeatedWarnings, STREAM_SAMPLES } from '@ztsdb/bus';
import { BUFFER_CAPACITY, type HotState, type LocalLog } from '@ztsdb/tsdb';
import type { SeriesPoints } from '@ztsdb/wire';
import { ApplyQueue } from './apply-queue';
import { ChunkPublisher } from './chunk-publisher';
import { HotExtentPublisher } from './hot-extent';
import { HotResponder } from './hot-responder';
import { metrics } from './ingestor-metrics';
import { ManifestFollower } from './manifest-follower';
import type { OwnedPartition, PartitionOwnerOptions } from './owned-partition';
import { consumerName, PartitionCheckpoints } from './partition-checkpoint';
import { PartitionConsumer } from './partition-consumer';
import { loadState, takeoverStep, TakeoverStopped, waitCaughtUp } from './partition-takeover';
import { replayStream } from './stream-replay';
import { moveToNewStream } from './stream-switch';

export { checkpointKey, consumerName } from './partition-checkpoint';
export type { PartitionCheckpoint } from './partition-checkpoint';
export type { PartitionOwnerOptions } from './owned-partition';

/**
 * Everything one replica does for one partition it owns, put together from
 * its jobs: the takeover (partition-takeover.ts: own WAL, else the stream from
 * the checkpoint), the consumer (partition-consumer.ts: WAL write → durable →
 * ack, wal-commits.ts; → head, apply-queue.ts), the chunk publisher, the
 * checkpoints (partition-checkpoint.ts: seal by age, snapshots, KV checkpoint),
 * the manifest follower and the hot-query responder. Created when the lease
 * is won, stopped when it is given up or lost.
 */
export class PartitionOwner {
  readonly partition: number;
  private readonly owned: OwnedPartition;
  private readonly hot: HotResponder;
  private readonly extent: HotExtentPublisher;
  private readonly manifest: ManifestFollower;
  private readonly publisher: ChunkPublisher;
  private readonly queue: ApplyQueue;
  private readonly consumerJob: PartitionConsumer;
  private readonly checkpoints: PartitionCheckpoints;
  private serving = false;
  /** The snapshot that ends a takeover from the stream, made once the partition is served. */
  private endingReplay: Promise<void> | undefined;
  /** Resolves once the hot state is rebuilt and the partition is served. */
  ready!: Promise<void>;
  source: 'wal' | 'stream' = 'stream';
  recoveredPoints = 0;
  hotPointsAtTakeover = 0;
  recoveryMs = 0;

  constructor(
    nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly config: KV,
    memberId: string,
    opts: PartitionOwnerOptions,
  ) {
    this.partition = opts.partition;
    const log = new Logger('ingestor');
    this.owned = {
      partition: opts.partition,
      opts,
      log,
      warnings: new RepeatedWarnings((l) => log.warn(l), opts.warnIntervalMs),
      state: undefined as unknown as HotState,
      wal: undefined as unknown as LocalLog,
      streamId: '',
      stopping: false,
    };
    const owned = this.owned;
    this.hot = new HotResponder(nc, this.partition, (ids, s, e) => this.queryHot(ids, s, e));
    this.extent = new HotExtentPublisher(
      nc,
      this.partition,
      memberId,
      Math.floor((opts.hotExtentMaxAgeMs ?? 0) / 4),
      () => owned.state,
    );
    this.publisher = new ChunkPublisher(js, this.partition, () => owned.state, owned.warnings);
    this.manifest = new ManifestFollower(js, this.partition, () => owned.state, owned.warnings);
    this.queue = new ApplyQueue(owned, opts.bufferCapacity ?? BUFFER_CAPACITY, () =>
      this.kickPublisher(),
    );
    this.consumerJob = new PartitionConsumer(owned, js, jsm, this.queue, {
      adoptStream: (created) => this.adoptStream(created),
      walFull: () => this.checkpoints.snapshot(),
      received: (seq, b) => this.extent.received(seq, b.timestamps, b.count),
    });
    this.checkpoints = new PartitionCheckpoints(
      owned,
      config,
      memberId,
      this.queue,
      () => this.kickPublisher(),
      (e) => this.consumerJob.walFailed(e),
    );
  }

  /** The head (undefined until the takeover loaded it). */
  get state(): HotState {
    return this.owned.state;
  }

  /**
   * Lets go of the buffers kept for reuse, the decoder's free columns and the head's spare
   * slab pages (the process idles: libs/platform's onMemoryRelease); the next batch
   * allocates again.
   */
  shedSpare(): void {
    this.queue.columns.shed();
    (this.owned.state as HotState | undefined)?.head.open.shedSpare();
  }

  /** Creation time of the samples stream the state's sequences belong to. */
  get streamId(): string {
    return this.owned.streamId;
  }

  get consumer(): string {
    return consumerName(this.partition);
  }

  /** True while the partition consumes (taken over, consumer open, disk not full). */
  consuming(): boolean {
    return this.serving && this.consumerJob.healthy && !this.owned.opts.disk.full;
  }

  /** Why the partition does not consume ('' when it does), for /readyz. */
  problem(): string {
    const disk = this.owned.opts.disk;
    if (disk.full) return disk.reason;
    if (!this.serving) return 'taking over';
    if (!this.consumerJob.healthy)
      return `re-creating its consumer (${this.consumerJob.resetReason})`;
    return '';
  }

  /** Re-creates the consumer (the stream watch: a deleted consumer or a re-created stream). */
  reset(why: string): Promise<void> {
    return this.consumerJob.reset(why);
  }

  /** Called when the connection came back: deliveries may have been lost on the way. */
  reconnected(): void {
    this.consumerJob.reconnected();
  }

  /**
   * Starts the takeover in the background; `ready` tells when it is done.
   * `failed` is told when it cannot be done (NATS did not answer until the
   * retry deadline, or the WAL cannot be opened): the lease should go back.
   */
  start(failed?: (e: Error) => void): void {
    this.ready = this.takeOver();
    this.ready.catch((e: Error) => {
      if (e instanceof TakeoverStopped || this.owned.stopping) return;
      this.owned.log.error(`partition ${this.partition}: takeover failed: ${e.message}`);
      failed?.(e);
    });
  }

  private async takeOver(): Promise<void> {
    const p = this.partition;
    const owned = this.owned;
    const t0 = Date.now();
    const loaded = await loadState(owned, this.jsm, this.config, () => this.publisher.drained());
    if (!loaded || owned.stopping) return;
    this.source = loaded.source;
    this.recoveredPoints = loaded.recoveredPoints;
    if (loaded.replaying && !(await this.replay())) return;
    const consumer = this.consumerJob;
    // Batches that came after the replay are acknowledged without a WAL copy too, until the snapshot.
    consumer.replaying = loaded.replaying;
    consumer.receivedSeq = owned.state.appliedSeq;
    await takeoverStep(owned, `partition ${p}: opening its consumer`, () =>
      consumer.open(owned.state.appliedSeq + 1),
    );
    await waitCaughtUp(owned, this.jsm, () => consumer.caughtUp);
    await new Promise((r) => setImmediate(r));
    await consumer.commits.settled();
    this.queue.drainAll();
    this.recoveryMs = Date.now() - t0;
    this.hotPointsAtTakeover = owned.state.openPoints + owned.state.heldPoints;
    if (owned.stopping) return;
    this.extent.start(); // announced before the first hot request is answered
    this.hot.start();
    this.serving = true;
    this.kickPublisher(); // chunks sealed before a restart and not yet published
    void this.manifest.run();
    metrics.takeovers.inc({ source: this.source });
    owned.log.log(
      `partition ${p}: serving (state from ${this.source}, from sequence ${loaded.startSeq}, ${this.hotPointsAtTakeover} hot points, ${this.recoveryMs} ms)`,
    );
    // The checkpoints' jobs write to the WAL (seal markers, snapshots): not before the log is whole.
    if (consumer.replaying)
      this.endingReplay = this.endReplay().then(() => {
        if (!owned.stopping) this.checkpoints.start();
      });
    else this.checkpoints.start();
  }

  /**
   * Ends a takeover from the stream, once served: with the consumer loop
   * held, applies what was received, snapshots the state (durable), then lets
   * the loop go on in the normal mode (WAL write before ack). Every WAL entry
   * written later has a higher sequence than the snapshot, so the local log is
   * whole from here on. Until then it reads as empty, and a crash replays the
   * stream again. A failed snapshot (disk full) is tried again once there is room.
   */
  private async endReplay(): Promise<void> {
    const owned = this.owned;
    const consumer = this.consumerJob;
    for (;;) {
      const t0 = Date.now();
      try {
        await consumer.holding(async () => {
          await new Promise((r) => setImmediate(r));
          await consumer.commits.settled();
          this.queue.drainAll();
          if (owned.stopping) return;
          await owned.wal.snapshot(owned.state);
          consumer.replaying = false;
        });
        if (!owned.stopping)
          owned.log.log(
            `partition ${this.partition}: replay snapshot made (${Date.now() - t0} ms); batches go to the WAL again`,
          );
        return;
      } catch (e) {
        owned.opts.disk.writeFailed(owned.wal.file, e);
        // In steps, so that a stop (which waits for this) does not wait for the disk.
        do await new Promise((r) => setTimeout(r, 250));
        while (owned.opts.disk.full && !owned.stopping);
        if (owned.stopping) return;
      }
    }
  }

  /**
   * Rebuilds the head from the stream (stream-replay.ts), the log left empty:
   * the consumer, opened after in the replay mode, takes the batches that came
   * meanwhile, and endReplay's snapshot makes the log whole. False when stopped.
   */
  private async replay(): Promise<boolean> {
    const owned = this.owned;
    const p = this.partition;
    const t0 = Date.now();
    const r = await takeoverStep(owned, `partition ${p}: replaying the stream`, () =>
      replayStream(owned, this.js, this.jsm),
    );
    owned.log.log(
      `partition ${p}: replayed ${r.batches} batches (${r.points} points, ${r.refused} refused) from the stream in ${Date.now() - t0} ms`,
    );
    return !owned.stopping;
  }

  /** The samples stream was re-created: keep the points, start over at its sequence 1 (moveToNewStream). */
  private async adoptStream(created: string): Promise<void> {
    const owned = this.owned;
    const was = owned.streamId;
    await this.checkpoints.settled(); // a snapshot holding the applies lets them go first
    this.queue.drainAll();
    const r = await moveToNewStream(
      owned.state,
      owned.wal,
      () => this.publisher.drained(),
      created,
    );
    owned.streamId = created;
    this.checkpoints.forget();
    owned.log.error(
      `partition ${this.partition}: the samples stream ${STREAM_SAMPLES} was re-created (created ${created}; this partition consumed the one created ${was}): its ${r.points} hot points were kept, sealed into ${r.chunks} chunks and published; consuming the new stream from sequence 1`,
    );
    await this.checkpoints.writeCheckpoint();
  }

  /**
   * Hot points of the series (the queue is applied first, so every acknowledged point is
   * included; while a snapshot holds the applies, once it has finished laying out the head,
   * which it then does without yielding).
   */
  private queryHot(
    ids: bigint[],
    start: number,
    end: number,
  ): SeriesPoints[] | Promise<SeriesPoints[]> {
    const paused = this.queue.pausedUntil;
    if (paused) {
      this.queue.hurry(); // the snapshot's remaining steps at once: the query waits for no more
      return paused.then(() => this.queryHot(ids, start, end));
    }
    this.queue.drainAll();
    return ids.map((id) => ({ id, ...this.owned.state.read(id, start, end) }));
  }

  private kickPublisher(): void {
    if (!this.owned.stopping) this.publisher.kick();
  }

  /** Records the partition checkpoint in KV when it moved. */
  writeCheckpoint(): Promise<void> {
    return this.checkpoints.writeCheckpoint();
  }

  /**
   * Stops serving the partition. `handover`: the lease is ours to give away,
   * so the state is snapshotted and the checkpoint recorded first.
   */
  async stop(handover: boolean): Promise<void> {
    const owned = this.owned;
    const p = this.partition;
    owned.stopping = true;
    this.checkpoints.stop();
    this.hot.stop();
    this.extent.stop();
    await this.manifest.stop();
    this.queue.release();
    await this.consumerJob.close();
    await this.ready?.catch(() => undefined);
    await this.endingReplay;
    await this.consumerJob.commits.settled().catch(() => undefined);
    await this.publisher.stop();
    owned.warnings.stop();
    if (owned.state && owned.wal) {
      await this.checkpoints.settled();
      this.queue.drainAll();
      await owned.wal
        .snapshot(owned.state)
        .catch((e: Error) => owned.log.warn(`partition ${p}: snapshot failed: ${e.message}`));
      if (handover)
        await this.checkpoints
          .writeCheckpoint()
          .catch((e: Error) => owned.log.warn(`partition ${p}: checkpoint failed: ${e.message}`));
    }
    await owned.wal?.close().catch(() => undefined);
  }
}
