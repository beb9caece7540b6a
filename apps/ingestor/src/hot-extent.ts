import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { hotExtentSubject } from '@ztsdb/bus';
import type { HotState } from '@ztsdb/tsdb';
import { encodeHotExtent, type HotExtent } from '@ztsdb/wire';

/** Points received above the announced maximum by less than this do not widen it again. */
export const EXTENT_HEADROOM_MS = 60_000;
/** Most pending ranges kept apart; beyond it the oldest two are joined (wider, still safe). */
const MAX_PENDING = 16;

/** Timestamps of points received and not yet applied, with the highest stream sequence among them. */
interface Pending {
  minT: number;
  maxT: number;
  maxSeq: number;
}

/** The range of every hot point `state` holds: open chunks, out-of-order buffers, sealed chunks not yet in a warm file. */
export function headExtent(state: HotState): { minT: number; maxT: number } {
  let lo = Infinity;
  let hi = -Infinity;
  const head = state.head;
  const open = head.open;
  for (const s of head.series) {
    if (open.count(s.slot) > 0) {
      lo = Math.min(lo, open.minT(s.slot));
      hi = Math.max(hi, open.maxT(s.slot));
    }
    if (s.ooo !== null && s.ooo.count > 0) {
      lo = Math.min(lo, s.ooo.minT);
      hi = Math.max(hi, s.ooo.maxT);
    }
  }
  for (const c of head.peekSealed()) {
    lo = Math.min(lo, c.minT);
    hi = Math.max(hi, c.maxT);
  }
  for (const c of state.heldList()) {
    lo = Math.min(lo, c.minT);
    hi = Math.max(hi, c.maxT);
  }
  return { minT: lo, maxT: hi };
}

/**
 * Announces on `ztsdb.hot.extent.p.<n>` the range of timestamps this owner's hot points may
 * have (docs/format/hot-extent.md), so a query over a range outside it need not ask. The
 * announced range always covers every point a hot request could return:
 * - a received batch (called from the consumer as it is decoded, before its WAL write, so long
 *   before its points are acknowledged and can be read) that falls outside widens it, and the
 *   wider range is published at once, in the same turn;
 * - every `intervalMs` it is worked out again from the head plus the batches received and not
 *   yet applied (stream sequence above the head's), which is where it narrows;
 * - `start` announces it before the owner answers hot requests; `stop` says the owner stopped.
 * Free of NestJS and of the consumer: `received` is the one hook in the ingest path.
 */
export class HotExtentPublisher {
  private readonly instance = randomBytes(8).toString('hex');
  private seq = 0;
  private minT = Infinity;
  private maxT = -Infinity;
  private pending: Pending[] = [];
  private current: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private serving = false;

  constructor(
    private readonly nc: NatsConnection,
    readonly partition: number,
    private readonly owner: string,
    /** Re-announcement period; 0 turns announcing off (queries then always ask). */
    private readonly intervalMs: number,
    private readonly state: () => HotState | undefined,
  ) {}

  /** A batch passed its checks and goes to the WAL: its points will be readable once acknowledged. */
  received(seq: number, timestamps: Float64Array, count: number): void {
    if (this.intervalMs <= 0 || count === 0) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < count; i++) {
      const t = timestamps[i]!;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    const c = this.current;
    if (c) {
      if (lo < c.minT) c.minT = lo;
      if (hi > c.maxT) c.maxT = hi;
      if (seq > c.maxSeq) c.maxSeq = seq;
    } else this.current = { minT: lo, maxT: hi, maxSeq: seq };
    if (lo >= this.minT && hi <= this.maxT) return;
    this.minT = Math.min(this.minT, lo);
    if (hi > this.maxT) this.maxT = hi + EXTENT_HEADROOM_MS;
    if (this.serving) this.publish('serving');
  }

  /** Works the extent out and announces it; then again every interval. Call before answering hot requests. */
  start(): void {
    if (this.intervalMs <= 0 || this.serving) return;
    this.serving = true;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  /** Says the owner stopped serving the partition (queries ask again, and find no one or the next owner). */
  stop(): void {
    if (!this.serving) return;
    this.serving = false;
    clearInterval(this.timer);
    this.timer = undefined;
    this.publish('stopped');
  }

  /** The head's extent joined with the batches received and not yet applied. */
  refresh(): void {
    const state = this.state();
    if (!state || !this.serving) return;
    if (this.current) this.pending.push(this.current);
    this.current = undefined;
    this.pending = this.pending.filter((p) => p.maxSeq > state.appliedSeq);
    while (this.pending.length > MAX_PENDING) {
      const [a, b] = this.pending.splice(0, 2) as [Pending, Pending];
      this.pending.unshift({
        minT: Math.min(a.minT, b.minT),
        maxT: Math.max(a.maxT, b.maxT),
        maxSeq: Math.max(a.maxSeq, b.maxSeq),
      });
    }
    let { minT, maxT } = headExtent(state);
    for (const p of this.pending) {
      minT = Math.min(minT, p.minT);
      maxT = Math.max(maxT, p.maxT);
    }
    this.minT = minT;
    this.maxT = maxT + (minT <= maxT ? EXTENT_HEADROOM_MS : 0);
    this.publish('serving');
  }

  /** The extent as last announced (tests). */
  get announced(): { minT: number; maxT: number } {
    return { minT: this.minT, maxT: this.maxT };
  }

  private publish(state: HotExtent['state']): void {
    try {
      this.nc.publish(
        hotExtentSubject(this.partition),
        encodeHotExtent({
          partition: this.partition,
          owner: this.owner,
          instance: this.instance,
          seq: ++this.seq,
          state,
          minT: this.minT,
          maxT: this.maxT,
        }),
      );
    } catch {
      // A closed connection: the owner is stopping; queries stop trusting a silent owner.
    }
  }
}
