import {
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { samplesSubject, STREAM_SAMPLES } from '@ztsdb/bus';
import { DRAIN_BATCH } from '@ztsdb/tsdb';
import { decodeSampleBatch, WireDecodeError } from '@ztsdb/wire';
import { checkBatch } from './batch-check';
import { metrics } from './ingestor-metrics';
import { KeySlots } from './key-slots';
import type { OwnedPartition } from './owned-partition';
import { consumerName } from './partition-checkpoint';

/** Messages the replay asks for ahead of what it applied: at least this many, at most the next. */
const MIN_AHEAD = 64;
const MAX_AHEAD = 8192;
/** How often a replay that received nothing checks whether anything is left to deliver, or it was stopped. */
const IDLE_CHECK_MS = 1000;
/** Points applied between two yields to the event loop (timers: the lease, the disk guard). */
const YIELD_POINTS = DRAIN_BATCH * 16;

/** What one replay did. */
export interface ReplayResult {
  batches: number;
  points: number;
  /** Sequences sent to the DLQ. */
  refused: number;
}

/**
 * Messages to ask for ahead: about `fetchBytes` of the stream's average
 * message. An ordered consumer counts messages, not bytes (the client caps a
 * byte-bounded pull at 100 messages, which makes a pull per 25 messages).
 */
export function replayAhead(
  fetchBytes: number,
  streamBytes: number,
  streamMessages: number,
): number {
  const avg = streamMessages > 0 ? streamBytes / streamMessages : 0;
  if (!(avg > 0)) return MIN_AHEAD;
  return Math.max(MIN_AHEAD, Math.min(MAX_AHEAD, Math.floor(fetchBytes / avg)));
}

/**
 * Applies the stream's batches of one message to the partition's head: the
 * replay's whole work per message, with no WAL copy, no acknowledgement and
 * no queue (nothing is served before the replay ends). A batch that does not
 * decode or check goes to the DLQ, as the consumer would send it, and its
 * sequence is skipped. Returns the points applied.
 */
export class ReplayApplier {
  private readonly keySlots = new KeySlots();
  readonly result: ReplayResult = { batches: 0, points: 0, refused: 0 };
  /**
   * 8-byte aligned copy of the message being applied: the decoder's columns are
   * views into it (it copies a message at an odd offset, and a message in the
   * client's read buffer mostly is), valid until the next message. The head
   * keeps none of them.
   */
  private scratch = new Uint8Array(0);
  /** Counted in the metrics at flush(). */
  private unflushed = { batches: 0, points: 0 };

  constructor(private readonly owned: OwnedPartition) {}

  private aligned(data: Uint8Array): Uint8Array {
    if (data.byteOffset % 8 === 0) return data;
    if (this.scratch.length < data.length)
      this.scratch = new Uint8Array(Math.max(data.length, 2 * this.scratch.length));
    this.scratch.set(data);
    return this.scratch.subarray(0, data.length);
  }

  /** Adds the batches and points applied since the last flush to the ingestor's counters. */
  flush(): void {
    const p = String(this.owned.partition);
    const u = this.unflushed;
    if (u.batches > 0) metrics.batches.inc({ partition: p }, u.batches);
    if (u.points > 0) metrics.points.inc({ partition: p }, u.points);
    this.unflushed = { batches: 0, points: 0 };
  }

  apply(seq: number, data: Uint8Array, subject: string): number {
    const { partition, opts, state } = this.owned;
    // An ordered consumer delivers each sequence once, in order; a re-created one starts past the last.
    if (seq <= state.appliedSeq) return 0;
    let reason: [string, string] | undefined;
    let batch;
    try {
      batch = decodeSampleBatch(this.aligned(data));
      reason = checkBatch(batch, partition, opts.limits, Date.now());
    } catch (e) {
      reason = [
        e instanceof WireDecodeError ? e.code : 'ZTSDB_DECODE_FAILED',
        (e as Error).message,
      ];
    }
    if (reason || !batch) {
      const [code, message] = reason ?? ['ZTSDB_DECODE_FAILED', 'no batch'];
      metrics.deadLetters.inc({ reason: code });
      opts.deadLetters.report(
        code,
        message,
        data,
        subject,
        `partition ${partition}: message ${seq} on ${subject}`,
      );
      state.skip(seq);
      this.result.refused++;
      return 0;
    }
    const b = batch;
    this.keySlots.apply(state, seq, b);
    this.unflushed.batches++;
    this.unflushed.points += b.count;
    this.result.batches++;
    this.result.points += b.count;
    return b.count;
  }
}

/**
 * Rebuilds the partition's head from the samples stream, from sequence
 * `state.appliedSeq + 1` until it has caught up with what the stream held
 * when the replay started (later batches are the durable consumer's), with an
 * ordered consumer: no acknowledgements, no ack-pending limit, pulls of
 * hundreds of messages. The durable consumer is deleted first, which fences a
 * previous owner still fetching from it; the caller creates it again at the
 * first sequence not replayed. Nothing is written locally: a crash during the
 * replay leaves an empty log, and the next takeover replays again.
 */
export async function replayStream(
  owned: OwnedPartition,
  js: JetStreamClient,
  jsm: JetStreamManager,
): Promise<ReplayResult> {
  const { partition, opts, state } = owned;
  await jsm.consumers.delete(STREAM_SAMPLES, consumerName(partition)).catch(() => undefined);
  const info = await jsm.streams.info(STREAM_SAMPLES);
  const applier = new ReplayApplier(owned);
  // A stream re-created since the takeover began is the consumer's to adopt (PartitionConsumer.open).
  if (info.created !== owned.streamId || info.state.last_seq <= state.appliedSeq)
    return applier.result;
  const consumer = await js.consumers.get(STREAM_SAMPLES, {
    filter_subjects: samplesSubject(partition),
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: state.appliedSeq + 1,
  });
  let messages: ConsumerMessages | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  try {
    // Messages of this partition the stream holds from there on: the replay ends after them.
    const pending = (await consumer.info(true)).num_pending;
    if (pending === 0 || owned.stopping) return applier.result;
    const ahead = replayAhead(opts.fetchBytes, info.state.bytes, info.state.messages);
    const open = await consumer.consume({ max_messages: ahead });
    messages = open;
    // Ends a replay that waits: on stop, or when nothing is left to deliver (retention removed the rest).
    let delivered = 0;
    let seen = -1;
    watchdog = setInterval(() => {
      if (owned.stopping) void open.close();
      else if (delivered === seen)
        // Ending early is safe too: the durable consumer goes on from the last sequence applied.
        void consumer
          .info()
          .then((ci) => {
            if (ci.num_pending === 0 && delivered === seen) void open.close();
          })
          .catch(() => undefined);
      seen = delivered;
    }, IDLE_CHECK_MS);
    let sinceYield = 0;
    for await (const m of open) {
      delivered++;
      if (owned.stopping) break;
      sinceYield += applier.apply(m.seq, m.data, m.subject);
      if (m.info.pending === 0 || applier.result.batches + applier.result.refused >= pending) break;
      if (sinceYield >= YIELD_POINTS) {
        sinceYield = 0;
        applier.flush();
        await new Promise((r) => setImmediate(r));
      }
    }
  } finally {
    clearInterval(watchdog);
    applier.flush();
    await messages?.close().catch(() => undefined);
    // Its inactivity threshold would remove it too, minutes later.
    await consumer.delete().catch(() => undefined);
  }
  return applier.result;
}
