import {
  createInbox,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import { hotSubject, inboxPrefixOf } from '@ztsdb/bus';
import { seriesKey } from '@ztsdb/model';
import { HotReplyAssembler, type SeriesPoints } from '@ztsdb/wire';
import type { HotExtents } from './hot-extents';

export interface HotAnswer {
  series: SeriesPoints[];
  /** Partitions whose owner did not answer completely in time, with the reason. */
  missing: Array<{ partition: number; reason: string }>;
}

const HOT_ERROR_HEADER = 'Ztsdb-Error';
/** Series ids per request (about 19 bytes of JSON each, well under any max_payload). */
export const HOT_IDS_PER_REQUEST = 20_000;

interface Pending {
  asm: HotReplyAssembler;
  done: (err: Error | undefined, series?: SeriesPoints[]) => void;
}

/**
 * Asks partition owners for their hot points over `ztsdb.hot.p.<n>` and
 * gathers replies of any number of parts (docs/format/hot-reply.md) on one
 * wildcard inbox subscription. A partition whose reply is refused, damaged,
 * or not complete within the timeout is reported missing with the reason,
 * and none of its hot points are used.
 */
export class HotClient {
  /** Under the connection's own inbox prefix: with `ztsdb nats-config`, the only inboxes this user may read. */
  private readonly prefix: string;
  private sub: Subscription | undefined;
  private readonly pending = new Map<string, Pending>();
  private seq = 0;
  /** Requests not sent because the owners' extents showed nothing in the range. */
  skipped = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
    /** The owners' announced extents: a partition whose owners hold nothing in the range is not asked. */
    private readonly extents?: Pick<HotExtents, 'holdsNothing'>,
  ) {
    this.prefix = createInbox(inboxPrefixOf(nc));
  }

  private inbox(): Subscription {
    if (!this.sub || this.sub.isClosed()) {
      this.sub = this.nc.subscribe(`${this.prefix}.*`, {
        callback: (err, msg) => (err ? undefined : this.onMessage(msg)),
      });
    }
    return this.sub;
  }

  private onMessage(msg: Msg): void {
    const p = this.pending.get(msg.subject);
    if (!p) return; // late part of a request already answered or given up
    if (msg.data.length === 0 && msg.headers?.code === 503)
      return p.done(new Error('no ingestor owns it'));
    const err = msg.headers?.get(HOT_ERROR_HEADER);
    if (err) return p.done(new Error(`the owner refused the request: ${err}`));
    try {
      if (p.asm.add(msg.data)) p.done(undefined, p.asm.result().series);
    } catch (e) {
      p.done(new Error(`bad hot reply: ${(e as Error).message}`));
    }
  }

  /** One request; resolves with every series of a complete reply, rejects with the reason otherwise. */
  private ask(
    partition: number,
    ids: bigint[],
    start: number,
    end: number,
    step: number | undefined,
  ): Promise<SeriesPoints[]> {
    const body = JSON.stringify(
      step === undefined
        ? { ids: ids.map(seriesKey), start, end }
        : { ids: ids.map(seriesKey), start, end, step },
    );
    this.inbox();
    const reply = `${this.prefix}.${++this.seq}`;
    return new Promise<SeriesPoints[]>((resolve, reject) => {
      const asm = new HotReplyAssembler(partition);
      const timer = setTimeout(() => {
        const exp = asm.expected;
        done(
          new Error(
            exp === undefined
              ? `no answer within ${this.timeoutMs} ms`
              : `${exp - asm.received} of ${exp} reply parts not received within ${this.timeoutMs} ms (missing parts ${asm
                  .missingParts()
                  .slice(0, 10)
                  .map((i) => i + 1)
                  .join(', ')})`,
          ),
        );
      }, this.timeoutMs);
      const done = (err: Error | undefined, series?: SeriesPoints[]): void => {
        if (!this.pending.delete(reply)) return;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(series!);
      };
      this.pending.set(reply, { asm, done });
      try {
        this.nc.publish(hotSubject(partition), body, { reply });
      } catch (e) {
        done(e as Error);
      }
    });
  }

  /**
   * Hot points of the given series in [start, end]. With `step`, the owner may
   * leave out points that are not the last at or before some instant
   * start + k·step (enough for step sampling, and exact after a merge).
   * A partition whose owners announced lately that they hold nothing in
   * [start, end] is not asked (hot-extents.ts).
   */
  async fetch(
    byPartition: Map<number, bigint[]>,
    start: number,
    end: number,
    step?: number,
  ): Promise<HotAnswer> {
    const answer: HotAnswer = { series: [], missing: [] };
    const ext = this.extents;
    const asked = ext
      ? [...byPartition].filter(([p]) => !ext.holdsNothing(p, start, end))
      : [...byPartition];
    this.skipped += byPartition.size - asked.length;
    if (asked.length === 0) return answer;
    await Promise.all(
      asked.map(async ([partition, ids]) => {
        const asks: Array<Promise<SeriesPoints[]>> = [];
        for (let i = 0; i < ids.length; i += HOT_IDS_PER_REQUEST)
          asks.push(this.ask(partition, ids.slice(i, i + HOT_IDS_PER_REQUEST), start, end, step));
        const results = await Promise.allSettled(asks);
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) {
          answer.missing.push({ partition, reason: (failed.reason as Error).message });
          return;
        }
        for (const r of results)
          for (const s of (r as PromiseFulfilledResult<SeriesPoints[]>).value)
            answer.series.push(s);
      }),
    );
    answer.missing.sort((a, b) => a.partition - b.partition);
    return answer;
  }

  /** Drops the inbox subscription; requests still waiting fail. */
  close(): void {
    for (const p of [...this.pending.values()]) p.done(new Error('query service stopping'));
    this.sub?.unsubscribe();
    this.sub = undefined;
  }
}
