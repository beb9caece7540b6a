import { DRAIN_BATCH } from '@ztsdb/tsdb';
import { ColumnPool } from '@ztsdb/wire';
import { metrics } from './ingestor-metrics';
import { KeySlots } from './key-slots';
import type { OwnedPartition, Received } from './owned-partition';

/** What HotState.apply gets for ids when the slots are given. */

/**
 * Batches that are durable and acknowledged but not yet in the head, applied
 * in stream order a few thousand points per event-loop turn (so hot queries
 * and acknowledgements are not held up). Counts the points received and not
 * yet applied: the consumer stops fetching while they reach the capacity.
 */
export class ApplyQueue {
  private readonly items: Received[] = [];
  /** Points received (WAL write queued) and not yet in the head. */
  private inflight = 0;
  private scheduled = false;
  private spaceWaiter: (() => void) | undefined;
  /** Series slots of version 3 batches, from their key tables. */
  private readonly keySlots = new KeySlots();
  /**
   * The decoded columns of the batches received (the consumer decodes into these), taken back
   * once a batch is applied: nothing reads a batch's columns after that.
   */
  readonly columns = new ColumnPool();
  private readonly labels: { partition: string };

  constructor(
    private readonly owned: OwnedPartition,
    private readonly capacity: number,
    /** Called after a drain that applied points, when sealed chunks wait to be published. */
    private readonly onSealed: () => void,
  ) {
    this.labels = { partition: String(owned.partition) };
  }

  /** A batch of `points` was received (its WAL write is queued). */
  received(points: number): void {
    this.inflight += points;
  }

  /** Received points that will not be applied (their WAL write failed; they come again). */
  dropped(points: number): void {
    this.inflight -= points;
  }

  get full(): boolean {
    return this.inflight >= this.capacity;
  }

  /** Resolves once the queue is below half its capacity (or on release). */
  waitForSpace(): Promise<void> {
    return new Promise<void>((r) => (this.spaceWaiter = r));
  }

  /** Lets a waiting consumer loop go (on stop). */
  release(): void {
    this.spaceWaiter?.();
  }

  /** Acknowledged entries, in stream order. */
  push(entries: readonly Received[]): void {
    for (const e of entries) if (!e.dup) this.items.push(e);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drainSome(DRAIN_BATCH * 4);
      if (this.items.length > 0) this.schedule();
    });
  }

  /** Applies queued batches until about `maxPoints` points went in. */
  drainSome(maxPoints: number): void {
    const state = this.owned.state;
    let n = 0;
    let batches = 0;
    while (this.items.length > 0 && n < maxPoints) {
      const e = this.items.shift()!;
      if (e.batch) {
        const b = e.batch;
        const t0 = performance.now();
        this.keySlots.apply(state, e.seq, b);
        this.columns.release(b);
        metrics.applySeconds.observe((performance.now() - t0) / 1000);
        this.inflight -= b.count;
        n += b.count;
        batches++;
      } else {
        state.skip(e.seq);
      }
    }
    if (batches > 0) {
      // Once per drain, not per batch: a counter update with labels hashes them each time.
      const labels = this.labels;
      metrics.batches.inc(labels, batches);
      metrics.points.inc(labels, n);
    }
    if (this.spaceWaiter && this.inflight < this.capacity / 2) {
      const w = this.spaceWaiter;
      this.spaceWaiter = undefined;
      w();
    }
    if (n > 0 && state.unpublishedCount > 0) this.onSealed();
  }

  /** Applies everything queued (before a query, a seal, a snapshot). */
  drainAll(): void {
    if (this.owned.state) this.drainSome(Infinity);
  }
}
