import type { JetStreamClient } from '@nats-io/jetstream';
import { chunksSubject, RepeatedWarnings } from '@ztsdb/bus';
import { chunkMessageId, encodeChunkMessage } from '@ztsdb/wire';
import type { HeldChunk, HotState } from '@ztsdb/tsdb';
import { metrics } from './ingestor-metrics';

/**
 * Publishes a partition's sealed chunks on `ztsdb.chunks.p.<n>` with a message
 * id that is the same when the same chunk is sealed again. Chunks JetStream
 * did not acknowledge go back to the queue and are retried every second.
 */
export class ChunkPublisher {
  private publishing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly partition: number,
    private readonly state: () => HotState,
    private readonly warnings: RepeatedWarnings,
  ) {}

  /** Starts publishing what is queued, unless already at it. */
  kick(): void {
    if (this.publishing || this.stopped) return;
    this.publishing = this.loop().finally(() => (this.publishing = undefined));
  }

  /** Resolves once every sealed chunk queued so far was acknowledged by JetStream (or on stop). */
  async drained(): Promise<void> {
    while (!this.stopped && this.state().unpublishedCount > 0) {
      this.kick();
      await this.publishing;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.publishing?.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    const subject = chunksSubject(this.partition);
    const state = this.state();
    while (!this.stopped && state.unpublishedCount > 0) {
      const chunks = state.takeUnpublished(256);
      const failed: HeldChunk[] = [];
      await Promise.all(
        chunks.map(async (c) => {
          try {
            const ref = { seriesId: c.seriesId, minT: c.minT, maxT: c.maxT, count: c.count };
            await this.js.publish(
              subject,
              encodeChunkMessage({ partition: this.partition, ...ref, chunk: c.bytes }),
              { msgID: chunkMessageId(ref) },
            );
            c.published = true;
            metrics.chunksPublished.inc({ partition: String(this.partition) });
          } catch {
            failed.push(c);
          }
        }),
      );
      if (failed.length > 0) {
        state.requeue(failed);
        this.warnings.report(
          'publish',
          `partition ${this.partition}: ${failed.length} sealed chunks not published yet; retrying`,
        );
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
