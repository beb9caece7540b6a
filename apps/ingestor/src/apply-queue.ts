import { DRAIN_BATCH } from '@ztsdb/tsdb';
import { ColumnPool } from '@ztsdb/wire';
import { metrics } from './ingestor-metrics';
import { KeySlots } from './key-slots';
import type { OwnedPartition, Received } from './owned-partition';

/**
 * Points applied in one scheduled turn (about 5 ms of CPU). Turns of 4,096 points, or of 2 ms,
 * made the ingestor's event loop answer sooner but cost 1–13 % more CPU a sample at 1 M
 * samples/s: called that much more often, the drain loop was what V8 optimised, with the
 * head's apply inlined into it and the chunk append left out of it (a call per point), where
 * it had inlined the append into the apply.
 */
const DRAIN_TURN_POINTS = DRAIN_BATCH * 4;

/** What HotState.apply gets for ids when the slots are given. */

/**
 * Batches received (their WAL writes issued) but not yet in the head, applied
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
  /** Set while a snapshot lays out the head in steps (pause()): nothing is applied meanwhile. */
  private resumed: Promise<void> | undefined;
  private resume_: (() => void) | undefined;
  private hurry_: (() => void) | undefined;

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

  /**
   * Applies nothing until resume(): a snapshot lays out the head over several event-loop
   * turns and needs it unchanged meanwhile. Batches still come in (WAL, acknowledgement) and
   * wait here, up to the capacity.
   */
  pause(hurry?: () => void): void {
    this.resumed ??= new Promise<void>((r) => (this.resume_ = r));
    this.hurry_ = hurry;
  }

  /** Ends pause(): what waited is applied from the next turn on. */
  resume(): void {
    const r = this.resume_;
    this.resumed = this.resume_ = this.hurry_ = undefined;
    r?.();
    if (this.items.length > 0) this.schedule();
  }

  /**
   * Someone waits for the applies (a hot query): the pause's `hurry` (given to pause()) makes
   * whatever holds them finish without letting the event loop run in between.
   */
  hurry(): void {
    this.hurry_?.();
  }

  /** While paused, resolves at resume() (a hot query waits for it); undefined otherwise. */
  get pausedUntil(): Promise<void> | undefined {
    return this.resumed;
  }

  /** Received entries (their WAL writes issued, not necessarily durable), in stream order. */
  push(entries: readonly Received[]): void {
    for (const e of entries) if (!e.dup && !e.inHead) this.items.push(e);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drainSome(DRAIN_TURN_POINTS);
      if (this.items.length > 0 && !this.resumed) this.schedule();
    });
  }

  /** Applies queued batches until about `maxPoints` points went in. */
  drainSome(maxPoints: number): void {
    if (this.resumed) return;
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

  /** Applies everything queued (before a query, a seal, a snapshot); nothing while paused. */
  drainAll(): void {
    if (this.owned.state) this.drainSome(Infinity);
  }
}
