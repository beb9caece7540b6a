import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { MANIFEST_WILDCARD, STREAM_MANIFEST } from '@ztsdb/bus';
import type { FileCatalog } from '@ztsdb/tsdb';
import { decodeManifestEvent, type ManifestEvent } from '@ztsdb/wire';

export interface FollowOptions {
  /** Keep applying new events after the replay (query service); false stops once caught up (compactor). */
  follow: boolean;
  onEvent?: (e: ManifestEvent, seq: number) => void;
  onBadEvent?: (seq: number, reason: string) => void;
}

/**
 * Replays the manifest stream from its first message into a catalog through
 * an ordered consumer; `start()` resolves once every event stored when it was
 * called is applied.
 */
export class ManifestFollower {
  private messages: ConsumerMessages | undefined;
  private done: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly catalog: FileCatalog,
    private readonly opts: FollowOptions,
  ) {}

  async start(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    const last = (await jsm.streams.info(STREAM_MANIFEST)).state.last_seq;
    if (last === 0 && !this.opts.follow) return;
    const consumer = await jetstream(this.nc).consumers.get(STREAM_MANIFEST, {
      filter_subjects: MANIFEST_WILDCARD,
      deliver_policy: DeliverPolicy.All,
    });
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
          this.opts.onBadEvent?.(m.seq, (err as Error).message);
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
