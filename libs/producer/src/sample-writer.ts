import type { KV } from '@nats-io/kv';
import { partitionOf, seriesId, type Labels } from '@ztsdb/model';
import type { SampleBatchVersion } from '@ztsdb/wire';
import { BatchBuilder } from './batch-builder';
import { ByteKeyTable } from './byte-key-table';
import {
  BatchPublisher,
  type JetStreamPublish,
  type PublisherLog,
  type PublisherMetrics,
} from './batch-publisher';
import { canonicalSeriesName } from './canonical-name';
import { PartitionGroups, type PartitionColumns } from './partition-groups';
import { SeriesRegistrar, type RegistrarOptions } from './series-registrar';

export interface SampleWriterOptions extends Pick<
  RegistrarOptions,
  'refreshMs' | 'reopen' | 'warn'
> {
  partitions: number;
  /** Names the publisher's log lines, e.g. `receiver`. */
  role: string;
  /** The publisher's metrics (`publisherMetrics(role)` of libs/metrics), or null. */
  metrics: PublisherMetrics | null;
  /** Batches queued or in flight before writes are refused with BackpressureError. */
  maxBacklog: number;
  /** Publishes awaiting acknowledgement at once. */
  inFlight: number;
  /** How long a write waits for JetStream before it is answered as unavailable. */
  ackDeadlineMs: number;
  log?: PublisherLog;
  /** Series names kept with their id and partition (a cache; cleared when it grows past this). */
  cacheSeries?: number;
  /**
   * Batches of one partition awaiting acknowledgement at once; points of writes that come
   * while that many are out wait and go together in the next batch (default 2).
   */
  partitionInFlight?: number;
  /** Sample batch version written (ZTSDB_SAMPLE_BATCH_VERSION); 3 unless said. */
  batchVersion?: SampleBatchVersion;
}

/**
 * Points of concurrent writes coalesced into one batch at most: at most 24 bytes each on the wire,
 * so a batch stays well under nats-server's default max_payload of 1 MiB.
 */
export const COALESCED_BATCH_MAX_POINTS = 16_384;

/** Finished writes' columns kept for the next writes: about the requests in flight at once. */
const SPARE_GROUPS = 16;
/** Columns kept only up to this many points (1.5 MiB): a few times a Prometheus request. */
const SPARE_GROUP_MAX_POINTS = 65_536;

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
  /** `id` as u32 halves: a point's id goes into its column without a BigInt conversion. */
  lo: number;
  hi: number;
}

/** Where a sender's own key of a series (remote_write: its label bytes) lies. */
export interface KeyBytes {
  buf: Uint8Array;
  start: number;
  end: number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
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
  /** Refs by a sender's own key of a series (remote_write: its label bytes): `keyedRefs[i]`. */
  private readonly keyed = new ByteKeyTable();
  private keyedRefs: Ref[] = [];
  /** Columns of finished writes, for the next ones (one set per write in progress at most). */
  private readonly spareGroups: PartitionGroups[] = [];
  readonly partitions: number;
  /** Points waiting for their partition's next batch (writes that came while batches were out). */
  private readonly waiting: PartitionGroups;
  /** Per partition: the writes whose points are in `waiting`, and batches out. */
  private readonly waiters: Waiter[][];
  private readonly out: Int32Array;
  private readonly partitionInFlight: number;

  constructor(
    js: JetStreamPublish,
    kv: KV,
    private readonly opts: SampleWriterOptions,
  ) {
    this.partitions = opts.partitions;
    this.waiting = new PartitionGroups(opts.partitions, 1024);
    this.waiters = Array.from({ length: opts.partitions }, () => []);
    this.out = new Int32Array(opts.partitions);
    this.partitionInFlight = Math.max(1, opts.partitionInFlight ?? 2);
    this.builder = new BatchBuilder(opts.batchVersion);
    this.registrar = new SeriesRegistrar(kv, {
      refreshMs: opts.refreshMs,
      reopen: opts.reopen,
      warn: opts.warn,
    });
    this.publisher = new BatchPublisher(js, {
      maxBacklog: opts.maxBacklog,
      role: opts.role,
      metrics: opts.metrics,
      inFlight: opts.inFlight,
      ackTimeoutMs: Math.min(5000, opts.ackDeadlineMs),
      log: opts.log,
    });
  }

  begin(expectedPoints = 256): Write {
    return new Write(this, expectedPoints);
  }

  /** Id and partition of a label set; registers the series when it is new. */
  ref(labels: Labels, nowMs: number, key?: KeyBytes): Ref {
    const name = canonicalSeriesName(labels);
    let r = this.refs.get(name);
    const max = this.opts.cacheSeries ?? 1_000_000;
    if (!r) {
      const id = seriesId(name);
      r = {
        id,
        partition: partitionOf(id, this.opts.partitions),
        lo: Number(id & 0xffffffffn),
        hi: Number(id >> 32n),
      };
      if (this.refs.size >= max) this.refs.clear();
      this.refs.set(name, r);
      this.registrar.note(name, id, labels, nowMs);
    }
    if (key !== undefined) {
      if (this.keyed.size >= max) {
        this.keyed.clear();
        this.keyedRefs = [];
      }
      this.keyed.set(key.buf, key.start, key.end, this.keyedRefs.length);
      this.keyedRefs.push(r);
    }
    return r;
  }

  /** The ref remembered under a sender's key `buf[start, end)`, if any. */
  refByKey(buf: Uint8Array, start: number, end: number): Ref | undefined {
    const i = this.keyed.get(buf, start, end);
    return i < 0 ? undefined : this.keyedRefs[i];
  }

  /** @internal Empty columns for a write: a finished write's, or new ones. */
  groupsFor(expectedPoints: number): PartitionGroups {
    const n = this.partitions;
    return (
      this.spareGroups.pop() ??
      new PartitionGroups(n, Math.max(16, Math.ceil((expectedPoints / n) * 1.25)))
    );
  }

  /**
   * @internal Takes back a write's columns once nothing reads them (published or copied); a
   * few, and not those a very large write grew (they would hold their memory for good).
   */
  reuseGroups(groups: PartitionGroups): void {
    groups.clear();
    if (this.spareGroups.length < SPARE_GROUPS && groups.heldPoints <= SPARE_GROUP_MAX_POINTS)
      this.spareGroups.push(groups);
  }

  /** @internal */
  async commit(groups: PartitionGroups, series: number): Promise<WriteResult> {
    try {
      return await this.commitColumns(groups, series);
    } finally {
      this.reuseGroups(groups);
    }
  }

  private async commitColumns(groups: PartitionGroups, series: number): Promise<WriteResult> {
    const cols = groups.filled();
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
    // `send` encodes or copies the columns before it returns: they are free after this line.
    const acks = cols.map((c) => this.send(c));
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

  /**
   * Publishes one write's points of a partition: at once when few of that partition's batches
   * are out, else with the points of other writes in the partition's next batch, which goes
   * when one of those is acknowledged. Under load this makes fewer, larger batches (less work
   * per point here, in nats-server and in the ingestors); unloaded, nothing waits.
   */
  private send(c: PartitionColumns): Promise<unknown> {
    const p = c.partition;
    if (this.out[p]! < this.partitionInFlight && this.waiting.count(p) === 0)
      return Promise.all(this.publishPieces(c));
    const w = this.waiting;
    for (let i = 0; i < c.count; i++) w.add(p, c.ids[i]!, c.timestamps[i]!, c.values[i]!);
    const done = new Promise<void>((resolve, reject) => this.waiters[p]!.push({ resolve, reject }));
    this.drain(p);
    return done;
  }

  /** Sends a partition's waiting points while fewer than `partitionInFlight` batches are out. */
  private drain(p: number): void {
    while (this.out[p]! < this.partitionInFlight && this.waiting.count(p) > 0) {
      const cols = this.waiting.takePartition(p);
      const settle = this.waiters[p]!.splice(0);
      Promise.all(this.publishPieces(cols)).then(
        () => settle.forEach((s) => s.resolve()),
        (e: Error) => settle.forEach((s) => s.reject(e)),
      );
    }
  }

  /**
   * Publishes a partition's points as batches of at most COALESCED_BATCH_MAX_POINTS: one write
   * may hold more points of a partition than a message may carry (nats-server's max_payload).
   */
  private publishPieces(c: PartitionColumns): Array<Promise<unknown>> {
    if (c.count <= COALESCED_BATCH_MAX_POINTS) return [this.publishOut(c)];
    const sent: Array<Promise<unknown>> = [];
    for (let from = 0; from < c.count; from += COALESCED_BATCH_MAX_POINTS) {
      const to = Math.min(c.count, from + COALESCED_BATCH_MAX_POINTS);
      sent.push(
        this.publishOut({
          partition: c.partition,
          count: to - from,
          ids: c.ids.subarray(from, to),
          timestamps: c.timestamps.subarray(from, to),
          values: c.values.subarray(from, to),
        }),
      );
    }
    return sent;
  }

  private publishOut(c: PartitionColumns): Promise<unknown> {
    const p = c.partition;
    this.out[p]!++;
    const done = (): void => {
      this.out[p]!--;
      this.drain(p);
    };
    const ack = this.publisher.publish(this.builder.build(c));
    ack.then(done, done);
    return ack;
  }

  close(): void {
    this.publisher.close();
    for (let p = 0; p < this.partitions; p++) {
      this.waiting.takePartition(p);
      for (const s of this.waiters[p]!.splice(0)) s.reject(new Error('the writer is closed'));
    }
  }
}

/** The samples of one request: add series and points, then `commit`. */
export class Write {
  private readonly groups: PartitionGroups;
  private readonly now = Date.now();
  private seriesCount = 0;
  private current: Ref | undefined;
  private committed = false;

  constructor(
    private readonly writer: SampleWriter,
    expectedPoints: number,
  ) {
    this.groups = writer.groupsFor(expectedPoints);
  }

  /** Makes `labels` the series of the following `sample` calls; `key` remembers it. */
  series(labels: Labels, key?: KeyBytes): void {
    this.current = this.writer.ref(labels, this.now, key);
    this.seriesCount++;
  }

  /** Makes the series remembered under the key `buf[start, end)` current; false when none. */
  seriesByKey(buf: Uint8Array, start: number, end: number): boolean {
    const r = this.writer.refByKey(buf, start, end);
    if (!r) return false;
    this.current = r;
    this.seriesCount++;
    return true;
  }

  sample(timestampMs: number, value: number): void {
    const r = this.current!;
    this.groups.addWords(r.partition, r.lo, r.hi, timestampMs, value);
  }

  /**
   * Publishes the points. The Write is spent after this: its columns serve later writes, and
   * committing again publishes nothing (a refused write's points are gone; the sender retries).
   */
  commit(): Promise<WriteResult> {
    if (this.committed)
      return Promise.resolve({ samples: 0, series: this.seriesCount, batches: 0 });
    this.committed = true;
    return this.writer.commit(this.groups, this.seriesCount);
  }
}
