/**
 * What the publisher needs of a JetStream client: `jetstream(nc)`, or an acknowledgement
 * inbox of its own (`JetStreamAcks`: the receivers and `ztsdb import`).
 */
export interface JetStreamPublish {
  publish(
    subject: string,
    data: Uint8Array,
    opts: { msgID: string; timeout: number },
  ): Promise<{ seq: number }>;
}

export interface OutgoingBatch {
  subject: string;
  msgId: string;
  data: Uint8Array;
  points: number;
}

export interface PublisherOptions {
  /** Batches kept while JetStream does not acknowledge (queued and in flight). */
  maxBacklog: number;
  /** Names the log lines. */
  role?: string;
  /** `publisherMetrics(role)` of libs/metrics, or null: not counted. */
  metrics: PublisherMetrics | null;
  /** Publishes awaiting their acknowledgement at once; 1 keeps batches strictly in order. */
  inFlight?: number;
  retryDelayMs?: number;
  /** How long one publish waits for its acknowledgement. */
  ackTimeoutMs?: number;
  /** Where "cannot publish" and "publishing again" go (a service's logger). */
  log?: PublisherLog;
}

export interface PublisherLog {
  log(message: string): void;
  warn(message: string): void;
}

/** A batch dropped from a full backlog, or still queued when the publisher closed. */
export class BatchDroppedError extends Error {
  readonly code = 'BATCH_DROPPED';
}

interface Queued {
  batch: OutgoingBatch;
  settle?: { resolve: (seq: number) => void; reject: (e: Error) => void };
}

/**
 * Where a publisher counts: libs/metrics' `publisherMetrics(role)` (what a service's /metrics
 * shows), or nothing (`null` in the options: a command that serves no metrics).
 */
export interface PublisherMetrics {
  published: { inc(labels?: Record<string, string>, by?: number): void };
  publishedPoints: { inc(labels?: Record<string, string>, by?: number): void };
  dropped: { inc(labels?: Record<string, string>, by?: number): void };
  droppedPoints: { inc(labels?: Record<string, string>, by?: number): void };
  backlog: { set(value: number): void };
  publishSeconds: { observe(seconds: number): void };
}

const uncounted = { inc: (): void => undefined };
const NOT_COUNTED: PublisherMetrics = {
  published: uncounted,
  publishedPoints: uncounted,
  dropped: uncounted,
  droppedPoints: uncounted,
  backlog: { set: () => undefined },
  publishSeconds: { observe: () => undefined },
};

/**
 * Publishes sample batches with `Nats-Msg-Id` (so a retried publish is stored once), keeping a
 * bounded backlog while JetStream does not acknowledge and retrying until it does. When the
 * backlog is full the oldest queued batch is dropped and counted. `enqueue` is fire and forget
 * (the collector); `publish` resolves with the stream sequence once JetStream acknowledged the
 * batch (receivers answer their client only then).
 */
export class BatchPublisher {
  private readonly log: PublisherLog;
  private readonly queue: Queued[] = [];
  private sending = 0;
  private closed = false;
  private failing = false;
  private droppedCount = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly m: PublisherMetrics;
  private readonly maxBacklog: number;
  private readonly window: number;
  private readonly retryDelayMs: number;
  private readonly ackTimeoutMs: number;
  /** Called with each acknowledged batch (tests and the bench listen here). */
  onAck?: (b: OutgoingBatch, streamSeq: number) => void;

  constructor(
    private readonly js: JetStreamPublish,
    opts: PublisherOptions,
  ) {
    const role = opts.role ?? 'collector';
    this.log = opts.log ?? {
      log: (m) => process.stderr.write(`${role}: ${m}\n`),
      warn: (m) => process.stderr.write(`${role}: ${m}\n`),
    };
    this.m = opts.metrics ?? NOT_COUNTED;
    this.maxBacklog = opts.maxBacklog;
    this.window = Math.max(1, opts.inFlight ?? 1);
    this.retryDelayMs = opts.retryDelayMs ?? 500;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 2000;
  }

  /** Batches queued or awaiting their acknowledgement. */
  get pending(): number {
    return this.queue.length + this.sending;
  }

  /** True when `batches` more fit without dropping any (receivers answer 429 otherwise). */
  hasRoom(batches: number): boolean {
    return this.pending + batches <= this.maxBacklog;
  }

  /** True while the last publish failed and the publisher waits to retry. */
  get unreachable(): boolean {
    return this.failing;
  }

  /** Batches this publisher dropped (the counter is shared by every publisher of the role). */
  get droppedBatches(): number {
    return this.droppedCount;
  }

  enqueue(batch: OutgoingBatch): void {
    this.push({ batch });
  }

  /** Resolves with the stream sequence once acknowledged; rejects with BatchDroppedError. */
  publish(batch: OutgoingBatch): Promise<number> {
    return new Promise<number>((resolve, reject) =>
      this.push({ batch, settle: { resolve, reject } }),
    );
  }

  private push(q: Queued): void {
    if (this.closed) {
      q.settle?.reject(new BatchDroppedError('the publisher is closed'));
      return;
    }
    this.queue.push(q);
    while (this.pending > this.maxBacklog && this.queue.length > 0) {
      const lost = this.queue.shift()!;
      this.m.dropped.inc();
      this.droppedCount++;
      this.m.droppedPoints.inc({}, lost.batch.points);
      lost.settle?.reject(
        new BatchDroppedError(`backlog of ${this.maxBacklog} batches full; batch dropped`),
      );
    }
    this.m.backlog.set(this.pending);
    this.fill();
  }

  /** Waits until nothing is pending or `timeoutMs` passes. */
  async flush(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.pending === 0;
  }

  /** Stops publishing; queued batches are given up (their `publish` promises reject). */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const q of this.queue.splice(0))
      q.settle?.reject(new BatchDroppedError('the publisher is closed'));
    this.m.backlog.set(this.pending);
  }

  private fill(): void {
    while (
      !this.closed &&
      this.retryTimer === undefined &&
      this.sending < this.window &&
      this.queue.length > 0
    ) {
      const q = this.queue.shift()!;
      this.sending++;
      const b = q.batch;
      const t0 = performance.now();
      this.js.publish(b.subject, b.data, { msgID: b.msgId, timeout: this.ackTimeoutMs }).then(
        (ack) => {
          this.m.publishSeconds.observe((performance.now() - t0) / 1000);
          this.sending--;
          this.m.backlog.set(this.pending);
          this.m.published.inc();
          this.m.publishedPoints.inc({}, b.points);
          if (this.failing) {
            this.failing = false;
            this.log.log(`publishing again; ${this.pending} batches still in the backlog`);
          }
          q.settle?.resolve(ack.seq);
          this.onAck?.(b, ack.seq);
          this.fill();
        },
        (e: Error) => {
          this.sending--;
          if (this.closed) {
            q.settle?.reject(new BatchDroppedError('the publisher is closed'));
            return;
          }
          this.queue.unshift(q);
          if (!this.failing) {
            this.failing = true;
            this.log.warn(
              `cannot publish to ${b.subject} (${e.message}); keeping up to ${this.maxBacklog} batches and retrying`,
            );
          }
          this.retryTimer ??= setTimeout(() => {
            this.retryTimer = undefined;
            this.fill();
          }, this.retryDelayMs);
        },
      );
    }
  }
}
