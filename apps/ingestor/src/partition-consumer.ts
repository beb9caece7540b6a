import { Logger } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { publishDeadLetter, samplesSubject, STREAM_SAMPLES } from '@ztsdb/bus';
import { processMetrics } from '@ztsdb/metrics';
import { decodeSampleBatch, WireDecodeError, type SampleBatch } from '@ztsdb/wire';

const consumed = processMetrics.counter('ztsdb_ingestor_batches_total', 'Sample batches applied, by partition.');
const points = processMetrics.counter('ztsdb_ingestor_points_total', 'Points applied, by partition.');
const deadLetters = processMetrics.counter('ztsdb_ingestor_dead_letters_total', 'Messages sent to the DLQ, by reason.');

const nanos = (ms: number): number => ms * 1_000_000;

export type BatchSink = (batch: SampleBatch, streamSeq: number) => void;

/**
 * Consumes one partition of the samples stream through a durable pull
 * consumer. Undecodable messages go to `ztsdb.dlq.samples` and are terminated.
 */
export class PartitionConsumer {
  private readonly log = new Logger('ingestor');
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly nc: NatsConnection,
    readonly partition: number,
    private readonly sink: BatchSink,
  ) {}

  get durableName(): string {
    return `ztsdb-ingestor-p${this.partition}`;
  }

  async start(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    const info = await jsm.consumers.add(STREAM_SAMPLES, {
      durable_name: this.durableName,
      filter_subject: samplesSubject(this.partition),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      max_ack_pending: 20_000,
    });
    // Memory starts empty: first replay what this consumer already acknowledged.
    const floor = info.ack_floor.stream_seq;
    if (floor > 0) await this.replayUpTo(floor);
    const consumer = await jsm.jetstream().consumers.get(STREAM_SAMPLES, this.durableName);
    this.messages = await consumer.consume({ max_messages: 512 });
    this.loop = this.run(this.messages);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      if (this.stopped) break;
      if (this.apply(m)) m.ack();
      else m.term();
    }
  }

  /** true when the message was applied; false when it went to the DLQ. */
  private apply(m: JsMsg): boolean {
    let batch: SampleBatch;
    try {
      batch = decodeSampleBatch(m.data);
      if (batch.partition !== this.partition) {
        throw new WireDecodeError('ZTSDB_WRONG_PARTITION', `batch for partition ${batch.partition} arrived on partition ${this.partition}`);
      }
    } catch (e) {
      const code = e instanceof WireDecodeError ? e.code : 'ZTSDB_DECODE_FAILED';
      deadLetters.inc({ reason: code });
      this.log.warn(`partition ${this.partition}: message ${m.seq} on ${m.subject} sent to the DLQ: ${code}: ${(e as Error).message}`);
      publishDeadLetter(this.nc, 'samples', m.data, `${code}: ${(e as Error).message}`, m.subject);
      return false;
    }
    this.sink(batch, m.seq);
    consumed.inc({ partition: String(this.partition) });
    points.inc({ partition: String(this.partition) }, batch.count);
    return true;
  }

  /** Rebuilds memory from the messages the durable consumer acknowledged before this process started. */
  private async replayUpTo(floor: number): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    const replay = await jsm.consumers.add(STREAM_SAMPLES, {
      filter_subject: samplesSubject(this.partition),
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      inactive_threshold: nanos(60_000),
      mem_storage: true,
    });
    const consumer = await jsm.jetstream().consumers.get(STREAM_SAMPLES, replay.name);
    let replayed = 0;
    try {
      for (;;) {
        const batch = await consumer.fetch({ max_messages: 1000, expires: 2000 });
        let last = 0;
        let pending = 0;
        for await (const m of batch) {
          if (m.seq > floor) break;
          const ok = this.tryDecode(m);
          if (ok) this.sink(ok, m.seq);
          replayed++;
          last = m.seq;
          pending = m.info.pending;
        }
        if (last === 0 || last >= floor || pending === 0) break;
      }
    } finally {
      await jsm.consumers.delete(STREAM_SAMPLES, replay.name).catch(() => undefined);
    }
    this.log.log(`partition ${this.partition}: replayed ${replayed} batches up to stream sequence ${floor}`);
  }

  private tryDecode(m: JsMsg): SampleBatch | undefined {
    try {
      const b = decodeSampleBatch(m.data);
      return b.partition === this.partition ? b : undefined;
    } catch {
      return undefined; // already dead-lettered when first consumed
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
  }
}
