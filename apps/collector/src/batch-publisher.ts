import { Logger } from '@nestjs/common';
import type { JetStreamClient } from '@nats-io/jetstream';
import { LATENCY_BUCKETS, processMetrics } from '@ztsdb/metrics';

export interface OutgoingBatch {
  subject: string;
  msgId: string;
  data: Uint8Array;
  points: number;
}

const published = processMetrics.counter(
  'ztsdb_collector_published_batches_total',
  'Sample batches acknowledged by JetStream.',
);
const publishedPoints = processMetrics.counter(
  'ztsdb_collector_published_points_total',
  'Points in acknowledged batches.',
);
const dropped = processMetrics.counter(
  'ztsdb_collector_dropped_batches_total',
  'Batches dropped because the backlog was full while NATS was unreachable.',
);
const droppedPoints = processMetrics.counter(
  'ztsdb_collector_dropped_points_total',
  'Points in dropped batches.',
);
const publishSeconds = processMetrics.histogram(
  'ztsdb_collector_publish_seconds',
  'Time from publishing a sample batch to its JetStream acknowledgement (ingest latency seen by the producer).',
  LATENCY_BUCKETS,
);
const backlogGauge = processMetrics.gauge(
  'ztsdb_collector_backlog_batches',
  'Batches waiting to be acknowledged.',
);

/**
 * Publishes batches in order with `Nats-Msg-Id`, keeping a bounded backlog
 * while JetStream does not acknowledge; retries until it does. When the
 * backlog is full the oldest batch is dropped and counted.
 */
export class BatchPublisher {
  private readonly log = new Logger('collector');
  private readonly backlog: OutgoingBatch[] = [];
  private pumping: Promise<void> | undefined;
  private closed = false;
  private failing = false;
  private droppedCount = 0;
  /** Called with each acknowledged batch (tests and the bench listen here). */
  onAck?: (b: OutgoingBatch, streamSeq: number) => void;

  constructor(
    private readonly js: JetStreamClient,
    private readonly maxBacklog: number,
    private readonly retryDelayMs = 500,
  ) {}

  get pending(): number {
    return this.backlog.length;
  }

  get droppedBatches(): number {
    return this.droppedCount;
  }

  enqueue(batch: OutgoingBatch): void {
    this.backlog.push(batch);
    while (this.backlog.length > this.maxBacklog) {
      const lost = this.backlog.shift()!;
      dropped.inc();
      this.droppedCount++;
      droppedPoints.inc({}, lost.points);
    }
    backlogGauge.set(this.backlog.length);
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  /** Waits until the backlog is empty or `timeoutMs` passes. */
  async flush(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.backlog.length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    return this.backlog.length === 0;
  }

  close(): void {
    this.closed = true;
  }

  private async pump(): Promise<void> {
    while (!this.closed && this.backlog.length > 0) {
      const b = this.backlog[0]!;
      try {
        const t0 = performance.now();
        const ack = await this.js.publish(b.subject, b.data, { msgID: b.msgId, timeout: 2000 });
        publishSeconds.observe((performance.now() - t0) / 1000);
        if (this.backlog[0] === b) this.backlog.shift();
        backlogGauge.set(this.backlog.length);
        published.inc();
        publishedPoints.inc({}, b.points);
        if (this.failing) {
          this.failing = false;
          this.log.log(`publishing again; ${this.backlog.length} batches still in the backlog`);
        }
        this.onAck?.(b, ack.seq);
      } catch (e) {
        if (!this.failing) {
          this.failing = true;
          this.log.warn(
            `cannot publish to ${b.subject} (${(e as Error).message}); keeping up to ${this.maxBacklog} batches and retrying`,
          );
        }
        await new Promise((r) => setTimeout(r, this.retryDelayMs));
      }
    }
  }
}
