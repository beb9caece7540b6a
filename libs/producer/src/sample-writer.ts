import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { partitionOf, seriesId, type Labels } from '@ztsdb/model';
import { BatchBuilder } from './batch-builder';
import { BatchPublisher, type PublisherLog } from './batch-publisher';
import { canonicalSeriesName } from './canonical-name';
import { PartitionGroups } from './partition-groups';
import { SeriesRegistrar, type RegistrarOptions } from './series-registrar';

export interface SampleWriterOptions extends Pick<
  RegistrarOptions,
  'refreshMs' | 'reopen' | 'warn'
> {
  partitions: number;
  /** Names the publisher's metrics, e.g. `receiver`. */
  role: string;
  /** Batches queued or in flight before writes are refused with BackpressureError. */
  maxBacklog: number;
  /** Publishes awaiting acknowledgement at once. */
  inFlight: number;
  /** How long a write waits for JetStream before it is answered as unavailable. */
  ackDeadlineMs: number;
  log?: PublisherLog;
  /** Series names kept with their id and partition (a cache; cleared when it grows past this). */
  cacheSeries?: number;
  /** Sample batch version written (ZTSDB_SAMPLE_BATCH_VERSION); 2 unless said. */
  batchVersion?: 1 | 2;
}

/** The write cannot be taken now; the sender should retry after `retryAfterS`. */
export class BackpressureError extends Error {
  constructor(
    message: string,
    /** 429: too much in flight; 503: JetStream or the registry unreachable. */
    readonly status: 429 | 503,
    readonly retryAfterS: number,
  ) {
    super(message);
  }
}

export interface WriteResult {
  samples: number;
  series: number;
  batches: number;
}

interface Ref {
  id: bigint;
  partition: number;
}

/**
 * The producer path of the receivers (remote_write, OTLP): series by their label sets,
 * named canonically and registered before their samples are published; one `Write` per
 * request, acknowledged only once JetStream acknowledged every batch of it.
 */
export class SampleWriter {
  readonly registrar: SeriesRegistrar;
  readonly publisher: BatchPublisher;
  private readonly builder: BatchBuilder;
  private readonly refs = new Map<string, Ref>();
  /** Refs by a sender's own key of a series (remote_write: its label bytes). */
  private readonly keyed = new Map<string, Ref>();
  readonly partitions: number;

  constructor(
    js: JetStreamClient,
    kv: KV,
    private readonly opts: SampleWriterOptions,
  ) {
    this.partitions = opts.partitions;
    this.builder = new BatchBuilder(opts.batchVersion);
    this.registrar = new SeriesRegistrar(kv, {
      refreshMs: opts.refreshMs,
      reopen: opts.reopen,
      warn: opts.warn,
    });
    this.publisher = new BatchPublisher(js, {
      maxBacklog: opts.maxBacklog,
      role: opts.role,
      inFlight: opts.inFlight,
      ackTimeoutMs: Math.min(5000, opts.ackDeadlineMs),
      log: opts.log,
    });
  }

  begin(expectedPoints = 256): Write {
    return new Write(this, expectedPoints);
  }

  /** Id and partition of a label set; registers the series when it is new. */
  ref(labels: Labels, nowMs: number, key?: string): Ref {
    const name = canonicalSeriesName(labels);
    let r = this.refs.get(name);
    const max = this.opts.cacheSeries ?? 1_000_000;
    if (!r) {
      const id = seriesId(name);
      r = { id, partition: partitionOf(id, this.opts.partitions) };
      if (this.refs.size >= max) this.refs.clear();
      this.refs.set(name, r);
      this.registrar.note(name, id, labels, nowMs);
    }
    if (key !== undefined) {
      if (this.keyed.size >= max) this.keyed.clear();
      this.keyed.set(key, r);
    }
    return r;
  }

  /** The ref remembered under a sender's key, if any. */
  refByKey(key: string): Ref | undefined {
    return this.keyed.get(key);
  }

  /** @internal */
  async commit(groups: PartitionGroups, series: number): Promise<WriteResult> {
    const cols = groups.take();
    let samples = 0;
    for (const c of cols) samples += c.count;
    if (samples === 0) return { samples, series, batches: 0 };
    if (this.publisher.unreachable)
      throw new BackpressureError('JetStream does not acknowledge samples now', 503, 5);
    if (!this.publisher.hasRoom(cols.length))
      throw new BackpressureError(
        `${this.publisher.pending} sample batches wait for JetStream`,
        429,
        1,
      );
    if (this.registrar.pendingCount > 0 && !(await this.registrar.flush()))
      throw new BackpressureError(
        'the series registry (KV ztsdb_series) cannot be written',
        503,
        5,
      );
    const acks = cols.map((c) => this.publisher.publish(this.builder.build(c)));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BackpressureError(
              `JetStream did not acknowledge within ${this.opts.ackDeadlineMs} ms`,
              503,
              5,
            ),
          ),
        this.opts.ackDeadlineMs,
      );
    });
    try {
      await Promise.race([Promise.all(acks), deadline]);
    } catch (e) {
      for (const a of acks) a.catch(() => undefined);
      if (e instanceof BackpressureError) throw e;
      throw new BackpressureError((e as Error).message, 503, 5);
    } finally {
      clearTimeout(timer);
    }
    return { samples, series, batches: cols.length };
  }

  close(): void {
    this.publisher.close();
  }
}

/** The samples of one request: add series and points, then `commit`. */
export class Write {
  private readonly groups: PartitionGroups;
  private readonly now = Date.now();
  private seriesCount = 0;
  private current: Ref | undefined;

  constructor(
    private readonly writer: SampleWriter,
    expectedPoints: number,
  ) {
    this.groups = new PartitionGroups(writer.partitions, 16);
    this.groups.expect(expectedPoints);
  }

  /** Makes `labels` the series of the following `sample` calls; `key` remembers it. */
  series(labels: Labels, key?: string): void {
    this.current = this.writer.ref(labels, this.now, key);
    this.seriesCount++;
  }

  /** Makes the series remembered under `key` current; false when there is none. */
  seriesByKey(key: string): boolean {
    const r = this.writer.refByKey(key);
    if (!r) return false;
    this.current = r;
    this.seriesCount++;
    return true;
  }

  sample(timestampMs: number, value: number): void {
    const r = this.current!;
    this.groups.add(r.partition, r.id, timestampMs, value);
  }

  commit(): Promise<WriteResult> {
    return this.writer.commit(this.groups, this.seriesCount);
  }
}
