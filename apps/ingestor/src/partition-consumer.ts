import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { samplesSubject, STREAM_SAMPLES } from '@ztsdb/bus';
import { WalWriteError } from '@ztsdb/tsdb';
import { decodeSampleBatch, WireDecodeError, type SampleBatch } from '@ztsdb/wire';
import type { ApplyQueue } from './apply-queue';
import { checkBatch } from './batch-check';
import { metrics } from './ingestor-metrics';
import type { OwnedPartition } from './owned-partition';
import { consumerName } from './partition-checkpoint';
import { WalCommits } from './wal-commits';

const nanos = (ms: number): number => ms * 1_000_000;
/**
 * Message bytes handled in one event-loop turn (run()), about 5–10 ms of decoding, checks and
 * WAL writes. Counted in bytes, not time, so that a process waiting for a CPU does not cut its
 * turns short, nor with them its LMDB transactions (the WAL writes of one turn are one).
 */
const HANDLE_TURN_BYTES = 1024 * 1024;

/**
 * The partition's durable pull consumer on the samples stream: each message
 * is decoded and checked, written to the WAL (a bad one goes to the DLQ and
 * leaves a skip entry), applied (ApplyQueue) and, once its write is durable,
 * acknowledged (WalCommits). A delivery gap, a reconnect, a failed write, a
 * full disk or a re-created stream make it re-create the consumer from the
 * first sequence not yet in the WAL (reset); what comes again after a failed
 * write is only written again (`again`).
 */
export class PartitionConsumer {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private lastDseq = 0;
  /** Highest sequence written to the WAL (or skipped); ≥ state.appliedSeq. */
  receivedSeq = 0;
  /** Why the consumer must be re-created ('' while it need not be). */
  private resetWanted = '';
  private resetting: Promise<void> | undefined;
  /** A WAL write failed: later transactions may hold batches past the failed ones, removed before resuming. */
  private walHole = false;
  /** The stream had nothing more pending at the last delivery. */
  caughtUp = false;
  /**
   * Rebuilding from the stream: batches go to the head without a WAL copy
   * (the stream holds them, and no checkpoint moves before the takeover ends);
   * a snapshot made once caught up makes the local log whole again.
   */
  replaying = false;
  /**
   * Sequences whose WAL write failed, to be written again when they come again (true: a batch,
   * now in the head; false: a skip entry). Not decided again: the checks depend on the clock.
   */
  private readonly again = new Map<number, boolean>();
  /** While set, the consumer loop waits before handling the next message. */
  private gate: Promise<void> | undefined;
  readonly commits: WalCommits;

  constructor(
    private readonly owned: OwnedPartition,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly queue: ApplyQueue,
    private readonly hooks: {
      /** The samples stream was re-created (another creation time): move the state to it. */
      adoptStream(created: string): Promise<void>;
      /** Batches piled up in the WAL since the last snapshot: take one early (settles when done). */
      walFull(): Promise<void>;
      /** A batch passed its checks and goes to the WAL (the hot extent widens before it can be read). */
      received(seq: number, batch: SampleBatch): void;
    },
  ) {
    this.commits = new WalCommits(
      owned,
      queue,
      (e) => this.walFailed(e),
      (group) => {
        for (const e of group) this.again.set(e.seq, e.inHead ? e.wasBatch === true : !!e.batch);
        this.receivedSeq = Math.min(this.receivedSeq, group[0]!.seq - 1);
      },
    );
  }

  /** True while the consumer is open and not being re-created. */
  get healthy(): boolean {
    return !this.resetting && !this.resetWanted;
  }

  /** Why it is being re-created, for /readyz. */
  get resetReason(): string {
    return this.resetWanted || 'pending';
  }

  /** Runs `fn` with the consumer loop held before its next message. */
  async holding(fn: () => Promise<void>): Promise<void> {
    let open!: () => void;
    this.gate = new Promise<void>((r) => (open = r));
    try {
      await fn();
    } finally {
      this.gate = undefined;
      open();
    }
  }

  async open(startSeq: number): Promise<void> {
    const { partition } = this.owned;
    const name = consumerName(partition);
    const created = (await this.jsm.streams.info(STREAM_SAMPLES)).created;
    if (this.owned.streamId !== '' && created !== this.owned.streamId) {
      await this.hooks.adoptStream(created);
      this.receivedSeq = 0;
      this.again.clear();
      startSeq = 1;
    }
    // Deleting the durable consumer also fences a previous owner that still fetches from it.
    await this.jsm.consumers.delete(STREAM_SAMPLES, name).catch(() => undefined);
    await this.jsm.consumers.add(STREAM_SAMPLES, {
      durable_name: name,
      filter_subject: samplesSubject(partition),
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
    this.commits.resume();
    // Bounded by bytes, not messages: what waits here undecoded is fetchBytes whatever the batch size.
    this.messages = await consumer.consume({ max_bytes: this.owned.opts.fetchBytes });
    this.loop = this.run(this.messages);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    const disk = this.owned.opts.disk;
    let handled = 0;
    try {
      for await (const m of messages) {
        // The messages a pull brought in (up to fetchBytes) follow one another in microtasks,
        // one event-loop turn for all of them unless this loop lets the others go: after
        // HANDLE_TURN_BYTES it yields, so commits, applies, hot queries and the other
        // partitions' consumers get their turns in between.
        if (handled >= HANDLE_TURN_BYTES) {
          await new Promise((r) => setImmediate(r));
          handled = 0;
        }
        handled += m.data.length;
        if (this.gate) await this.gate;
        if (this.owned.stopping || this.resetWanted) break;
        // Nothing is written, so nothing acknowledged, while the disk is (nearly) full.
        if (!this.replaying && !disk.hasRoom()) {
          this.resetWanted = 'disk full';
          break;
        }
        this.handle(m);
        if (this.queue.full) await this.queue.waitForSpace();
        // The snapshots fell behind (LocalLog.snapshotBehind): the next batch waits for the one
        // under way, so the WAL stays within about twice its due bytes beside the snapshots.
        if (!this.replaying && this.owned.wal.snapshotBehind(this.owned.opts.walMaxBytes / 4)) {
          metrics.walSnapshotWaits.inc({ partition: String(this.owned.partition) });
          await this.hooks.walFull();
        }
      }
    } catch (e) {
      if (!this.owned.stopping) this.resetWanted ||= `consumer failed: ${(e as Error).message}`;
    }
    if (!this.owned.stopping && this.resetWanted) void this.reset();
    else if (!this.owned.stopping) void this.reset('consumer ended');
  }

  /**
   * Re-creates the consumer from the first sequence not yet in the WAL (after a
   * delivery gap, a reconnect, a failed write, a full disk, a deleted consumer
   * or a re-created stream). Waits for disk space first. One at a time.
   */
  reset(why = this.resetWanted): Promise<void> {
    if (this.owned.stopping) return Promise.resolve();
    this.resetting ??= this.resetNow(why).finally(() => (this.resetting = undefined));
    return this.resetting;
  }

  private async resetNow(why: string): Promise<void> {
    const { partition, opts, wal } = this.owned;
    this.resetWanted ||= why;
    metrics.consumerResets.inc({ partition: String(partition) });
    this.owned.log.warn(`partition ${partition}: re-creating the consumer (${why})`);
    await this.close();
    await this.commits.settled();
    for (let delay = 250; !this.owned.stopping; delay = Math.min(delay * 2, 2000)) {
      try {
        await opts.disk.waitForRoom();
        if (this.owned.stopping) return;
        if (this.walHole) {
          await wal.removeFrom(this.receivedSeq + 1);
          this.walHole = false;
        }
        await this.open(this.receivedSeq + 1);
        return;
      } catch (e) {
        if (e instanceof WalWriteError) opts.disk.writeFailed(wal.file, e);
        else
          this.owned.warnings.report(
            'reset',
            `partition ${partition}: cannot re-create the consumer: ${(e as Error).message}`,
          );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** A WAL write failed: acknowledge nothing more, stop fetching, and wait for the disk (reset). */
  walFailed(e: unknown): void {
    this.commits.halt();
    this.walHole = true;
    this.owned.opts.disk.writeFailed(this.owned.wal.file, e);
    this.resetWanted ||= 'WAL write failed';
    void this.messages?.close().catch(() => undefined);
  }

  /** Called when the connection came back: deliveries may have been lost on the way. */
  reconnected(): void {
    if (this.messages && !this.owned.stopping) {
      this.resetWanted ||= 'reconnected to NATS';
      void this.messages.close();
    }
  }

  /** Stops fetching and waits for the loop to end. */
  async close(): Promise<void> {
    await this.messages?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
  }

  private handle(m: JsMsg): void {
    const { partition, opts, wal } = this.owned;
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
      metrics.duplicates.inc({ partition: String(partition) });
      this.commits.add({ m, seq, batch: null, dup: true });
      return;
    }
    const wasBatch = this.again.get(seq);
    if (wasBatch !== undefined) {
      this.again.delete(seq);
      const again = wasBatch ? wal.putBatch(seq, m.data) : wal.putSkip(seq);
      this.receivedSeq = seq;
      this.commits.add({ m, seq, batch: null, inHead: true, wasBatch }, again);
      return;
    }
    let batch: SampleBatch | null = null;
    let reason: [string, string] | undefined;
    try {
      batch = decodeSampleBatch(m.data, this.queue.columns);
      reason = checkBatch(batch, partition, opts.limits, Date.now());
    } catch (e) {
      reason = [
        e instanceof WireDecodeError ? e.code : 'ZTSDB_DECODE_FAILED',
        (e as Error).message,
      ];
    }
    let put: Promise<boolean> | undefined;
    if (reason) {
      batch = null;
      metrics.deadLetters.inc({ reason: reason[0] });
      opts.deadLetters.report(
        reason[0],
        reason[1],
        m.data,
        m.subject,
        `partition ${partition}: message ${seq} on ${m.subject}`,
      );
      if (!this.replaying) put = wal.putSkip(seq);
    } else {
      if (!this.replaying) {
        put = wal.putBatch(seq, m.data);
        // Bounds the WAL: trim it (snapshot) long before the timer would, once the batches are
        // a quarter of the bound and as large as the last snapshot (LocalLog.snapshotDue).
        if (wal.snapshotDue(opts.walMaxBytes / 4)) void this.hooks.walFull();
      }
      this.hooks.received(seq, batch!);
      this.queue.received(batch!.count);
    }
    this.receivedSeq = seq;
    this.commits.add({ m, seq, batch }, put);
  }
}
