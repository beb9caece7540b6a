import type { JetStreamClient } from '@nats-io/jetstream';
import type { RepeatedWarnings } from '@ztsdb/bus';
import { ManifestFollower as Follower } from '@ztsdb/manifest';
import { memoryLetGo } from '@ztsdb/platform';
import type { HotState } from '@ztsdb/tsdb';
import { metrics } from './ingestor-metrics';

/**
 * Follows `ztsdb.manifest.p.<n>` from its start (libs/manifest's follower,
 * which checks every event before it is acted on, so a forged one cannot
 * make hot chunks vanish): a `warm-added` event lists chunks a warm file now
 * holds, which the partition then drops from memory (and the memory release
 * collects once the process idles: libs/platform/src/malloc-tuning.ts).
 */
export class ManifestFollower {
  private readonly follower: Follower;
  private stopped = false;

  constructor(
    js: JetStreamClient,
    private readonly partition: number,
    state: () => HotState,
    private readonly warnings: RepeatedWarnings,
  ) {
    const p = String(partition);
    this.follower = new Follower(js, {
      follow: true,
      partition,
      // The partition count is not known here; the partition's own number bounds the check.
      partitions: partition + 1,
      warnings,
      logPrefix: `partition ${partition}: `,
      onEvent: (e) => {
        if (e.kind !== 'warm-added' || !e.chunks) return;
        const dropped = state().markWarm(e.chunks);
        if (dropped === 0) return;
        metrics.chunksDropped.inc({ partition: p }, dropped);
        // Their bytes are garbage now: collected at the next idle check, not in minutes.
        memoryLetGo();
      },
    });
  }

  /** Follows until stop(); a failure to start is reported, not thrown. */
  async run(): Promise<void> {
    try {
      await this.follower.start();
      await this.follower.finished();
    } catch (e) {
      if (!this.stopped)
        this.warnings.report(
          'manifest-follow',
          `partition ${this.partition}: not following the manifest: ${(e as Error).message}`,
        );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.follower.stop();
  }
}
