import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DEFAULT_RETRY_DEADLINE_MS,
  MANIFEST_WILDCARD,
  STREAM_MANIFEST,
  RepeatedWarnings,
  withRetry,
  type RetryPolicy,
} from '@ztsdb/bus';
import { processMetrics } from '@ztsdb/metrics';
import type { FileCatalog } from '@ztsdb/tsdb';
import { decodeManifestEvent, type ManifestEvent } from '@ztsdb/wire';

const refused = processMetrics.counter(
  'ztsdb_manifest_events_refused_total',
  'Manifest events skipped because they are damaged or name what the compactor never writes.',
);

export interface FollowOptions {
  /** Keep applying new events after the replay (query service); false stops once caught up (compactor). */
  follow: boolean;
  onEvent?: (e: ManifestEvent, seq: number) => void;
  /** Every refused event (not rate-limited). */
  onBadEvent?: (seq: number, reason: string) => void;
  /** Where refused events are reported, at most one line a minute (`badEventLogMs`). */
  warn?: (msg: string) => void;
  badEventLogMs?: number;
  /** The start-up calls are retried on a transient failure under this policy. */
  retry?: RetryPolicy;
}

/**
 * Replays the manifest stream from its first message into a catalog through
 * an ordered consumer; `start()` resolves once every event stored when it was
 * called is applied. An event that is damaged or that the catalog refuses
 * (a file outside its partition's tier folder, another partition, a name the
 * compactor never writes) is reported with its stream sequence and skipped:
 * nothing acts on it.
 */
export class ManifestFollower {
  private messages: ConsumerMessages | undefined;
  private done: Promise<void> | undefined;
  private readonly badLog: RepeatedWarnings | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly catalog: FileCatalog,
    private readonly opts: FollowOptions,
  ) {
    if (opts.warn) this.badLog = new RepeatedWarnings(opts.warn, opts.badEventLogMs ?? 60_000);
  }

  async start(): Promise<void> {
    const retry = this.opts.retry ?? { deadlineMs: DEFAULT_RETRY_DEADLINE_MS, log: this.opts.warn };
    const last = await withRetry(
      `stream info ${STREAM_MANIFEST}`,
      async () =>
        (await (await jetstreamManager(this.nc)).streams.info(STREAM_MANIFEST)).state.last_seq,
      retry,
    );
    if (last === 0 && !this.opts.follow) return;
    const consumer = await withRetry(
      `ordered consumer on ${STREAM_MANIFEST}`,
      () =>
        jetstream(this.nc).consumers.get(STREAM_MANIFEST, {
          filter_subjects: MANIFEST_WILDCARD,
          deliver_policy: DeliverPolicy.All,
        }),
      retry,
    );
    const messages = await consumer.consume({ max_messages: 1000 });
    this.messages = messages;
    let caughtUp!: () => void;
    const ready = new Promise<void>((r) => (caughtUp = r));
    if (last === 0) caughtUp();
    this.done = (async () => {
      for await (const m of messages) {
        try {
          const e = decodeManifestEvent(m.data);
          this.catalog.apply(e, m.seq);
          this.opts.onEvent?.(e, m.seq);
        } catch (err) {
          const reason = (err as Error).message;
          refused.inc();
          this.opts.onBadEvent?.(m.seq, reason);
          this.badLog?.report(
            'bad',
            `manifest event ${m.seq} on ${m.subject} skipped, not acted on: ${reason}`,
          );
        }
        if (m.seq >= last) {
          caughtUp();
          if (!this.opts.follow) break;
        }
      }
    })().finally(() => caughtUp());
    await ready;
    if (!this.opts.follow) await this.stop();
  }

  async stop(): Promise<void> {
    const m = this.messages;
    this.messages = undefined;
    if (m) await m.close().catch(() => undefined);
    await this.done?.catch(() => undefined);
  }
}
