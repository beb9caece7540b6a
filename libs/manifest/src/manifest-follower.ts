import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import {
  DEFAULT_RETRY_DEADLINE_MS,
  MANIFEST_WILDCARD,
  manifestSubject,
  STREAM_MANIFEST,
  RepeatedWarnings,
  withRetry,
  type RetryPolicy,
} from '@ztsdb/bus';
import { processMetrics } from '@ztsdb/metrics';
import {
  decodeManifestEvent,
  decodeManifestSnapshot,
  isManifestSnapshot,
  type ManifestEvent,
  type ManifestSnapshot,
} from '@ztsdb/wire';
import { ManifestEventError } from './errors';
import type { FileCatalog } from './file-catalog';
import { checkManifestEvent, checkManifestSnapshot } from './manifest-check';

const refused = processMetrics.counter(
  'ztsdb_manifest_events_refused_total',
  'Manifest events skipped because they are damaged or name what the compactor never writes.',
);

export interface FollowOptions {
  /** Keep applying new events after the replay (query service, ingestor); false stops once caught up (compactor). */
  follow: boolean;
  /** Events go into this catalog, which checks each one first; without it each is checked on its own. */
  catalog?: FileCatalog;
  /** Follow this partition's subject only; an event that names another partition is refused. */
  partition?: number;
  /** The deployment's partition count for the check when there is no catalog (events of others are refused). */
  partitions?: number;
  /** Called for every accepted event, after the catalog took it; what it throws refuses the event. */
  onEvent?: (e: ManifestEvent, seq: number) => void;
  /** Called for every accepted catalog snapshot, after the catalog took it (it replaced the partition's files). */
  onSnapshot?: (s: ManifestSnapshot, seq: number) => void;
  /** Every refused event (not rate-limited). */
  onBadEvent?: (seq: number, reason: string) => void;
  /** Where refused events are reported: a shared `warnings` (key `manifest`), or `warn` at most once per `badEventLogMs` (a minute). */
  warnings?: RepeatedWarnings;
  warn?: (msg: string) => void;
  badEventLogMs?: number;
  /** Put before every reported line (the ingestor names its partition). */
  logPrefix?: string;
  /** The start-up calls are retried on a transient failure under this policy. */
  retry?: RetryPolicy;
}

/**
 * Replays the manifest stream (`ztsdb.manifest.p.<n>`, every partition or
 * one) from its first message through an ordered consumer; `start()`
 * resolves once every event stored when it was called is applied, and
 * `finished()` once the follower stopped. Every event is checked before
 * anything acts on it, since anyone who may publish on the subject could have
 * sent it: one that is damaged or refused (a file outside its partition's tier
 * folder, another partition, a name the compactor never writes) is reported
 * with its stream sequence and skipped. The compactor replays into its
 * catalog and stops; the query service follows into its catalog; the
 * ingestor follows its partition to drop chunks a warm file now holds.
 */
export class ManifestFollower {
  private messages: ConsumerMessages | undefined;
  private done: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly warnings: RepeatedWarnings | undefined;

  constructor(
    private readonly js: JetStreamClient,
    private readonly opts: FollowOptions,
  ) {
    this.warnings =
      opts.warnings ??
      (opts.warn ? new RepeatedWarnings(opts.warn, opts.badEventLogMs ?? 60_000) : undefined);
  }

  async start(): Promise<void> {
    const p = this.opts.partition;
    const retry = this.opts.retry ?? {
      deadlineMs: DEFAULT_RETRY_DEADLINE_MS,
      log: this.opts.warn && ((m: string) => this.opts.warn!(this.prefixed(m))),
    };
    const last = await withRetry(
      `stream info ${STREAM_MANIFEST}`,
      async () =>
        (await (await this.js.jetstreamManager(false)).streams.info(STREAM_MANIFEST)).state
          .last_seq,
      retry,
    );
    if (this.stopped || (last === 0 && !this.opts.follow)) return;
    const consumer = await withRetry(
      `ordered consumer on ${STREAM_MANIFEST}`,
      () =>
        this.js.consumers.get(STREAM_MANIFEST, {
          filter_subjects: p === undefined ? MANIFEST_WILDCARD : manifestSubject(p),
          deliver_policy: DeliverPolicy.All,
        }),
      retry,
    );
    const messages = await consumer.consume({ max_messages: 1000 });
    if (this.stopped) {
      await messages.close().catch(() => undefined);
      return;
    }
    this.messages = messages;
    let caughtUp!: () => void;
    const ready = new Promise<void>((r) => (caughtUp = r));
    if (last === 0) caughtUp();
    this.done = (async () => {
      for await (const m of messages) {
        this.take(m.data, m.seq, m.subject);
        if (m.seq >= last) {
          caughtUp();
          if (!this.opts.follow) break;
        }
      }
    })().finally(() => caughtUp());
    await ready;
    if (!this.opts.follow) await this.stop();
  }

  /** Resolves once the follower stopped (stop(), or the consumer ended). */
  finished(): Promise<void> {
    return this.done.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const m = this.messages;
    this.messages = undefined;
    if (m) await m.close().catch(() => undefined);
    await this.finished();
  }

  /** Checks and applies one message; a refused one is counted, reported and otherwise ignored. */
  private take(data: Uint8Array, seq: number, subject: string): void {
    try {
      if (isManifestSnapshot(data)) return this.takeSnapshot(decodeManifestSnapshot(data), seq);
      const e = decodeManifestEvent(data);
      const catalog = this.opts.catalog;
      // The catalog checks what it applies; without one the event is checked here.
      if (!catalog) checkManifestEvent(e, this.opts.partitions);
      const p = this.opts.partition;
      if (p !== undefined && e.partition !== p)
        throw new ManifestEventError(`it is for partition ${e.partition}, not ${p}`, e.file);
      catalog?.apply(e, seq);
      this.opts.onEvent?.(e, seq);
    } catch (err) {
      const reason = (err as Error).message;
      refused.inc();
      this.opts.onBadEvent?.(seq, reason);
      this.warnings?.report(
        'manifest',
        this.prefixed(`manifest event ${seq} on ${subject} skipped, not acted on: ${reason}`),
      );
    }
  }

  /** A catalog snapshot: the partition's files as every earlier event left them (docs/format/manifest.md). */
  private takeSnapshot(s: ManifestSnapshot, seq: number): void {
    const catalog = this.opts.catalog;
    if (!catalog) checkManifestSnapshot(s, this.opts.partitions);
    const p = this.opts.partition;
    if (p !== undefined && s.partition !== p)
      throw new ManifestEventError(`snapshot is for partition ${s.partition}, not ${p}`);
    catalog?.applySnapshot(s, seq);
    this.opts.onSnapshot?.(s, seq);
  }

  private prefixed(line: string): string {
    return `${this.opts.logPrefix ?? ''}${line}`;
  }
}
