import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import { manifestSubject, type RepeatedWarnings, STREAM_MANIFEST } from '@ztsdb/bus';
import { checkManifestEvent } from '@ztsdb/tsdb';
import { decodeManifestEvent } from '@ztsdb/wire';
import type { HotState } from '@ztsdb/tsdb';
import { metrics } from './ingestor-metrics';

/**
 * Follows `ztsdb.manifest.p.<n>` from its start: a `warm-added` event lists
 * chunks a warm file now holds, which the partition then drops from memory.
 */
export class ManifestFollower {
  private messages: ConsumerMessages | undefined;
  private stopped = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly partition: number,
    private readonly state: () => HotState,
    private readonly warnings: RepeatedWarnings,
  ) {}

  async run(): Promise<void> {
    const p = this.partition;
    try {
      const consumer = await this.js.consumers.get(STREAM_MANIFEST, {
        filter_subjects: manifestSubject(p),
        deliver_policy: DeliverPolicy.All,
      });
      this.messages = await consumer.consume();
      if (this.stopped) await this.messages.close();
      for await (const m of this.messages) {
        try {
          const e = decodeManifestEvent(m.data);
          // Checked before acting: a forged event must not make hot chunks vanish.
          checkManifestEvent(e, p + 1);
          if (e.partition !== p) throw new Error(`it is for partition ${e.partition}`);
          if (e.kind !== 'warm-added' || !e.chunks) continue;
          const dropped = this.state().markWarm(e.chunks);
          if (dropped > 0) metrics.chunksDropped.inc({ partition: String(p) }, dropped);
        } catch (err) {
          this.warnings.report(
            'manifest',
            `partition ${p}: manifest event ${m.seq} skipped, not acted on: ${(err as Error).message}`,
          );
        }
      }
    } catch (e) {
      if (!this.stopped)
        this.warnings.report(
          'manifest-follow',
          `partition ${p}: not following the manifest: ${(e as Error).message}`,
        );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close().catch(() => undefined);
  }
}
