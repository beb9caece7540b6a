import { Logger } from '@nestjs/common';
import { headers, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { hotSubject } from '@ztsdb/bus';
import { parseSeriesKey } from '@ztsdb/model';
import { encodeHotReply, type SeriesPoints } from '@ztsdb/wire';

/** Request body of `ztsdb.hot.p.<n>`: series ids as 16-hex keys and an inclusive range. */
export interface HotRequest {
  ids: string[];
  start: number;
  end: number;
}

export const HOT_ERROR_HEADER = 'Ztsdb-Error';
/** Most series one hot request may name. */
export const HOT_MAX_SERIES = 100_000;

export type HotQuery = (ids: bigint[], start: number, end: number) => SeriesPoints[];

/** Answers hot-data requests for one partition with binary hot replies (docs/format/hot-reply.md). */
export class HotResponder {
  private readonly log = new Logger('ingestor');
  private sub: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    readonly partition: number,
    private readonly query: HotQuery,
  ) {}

  start(): void {
    this.sub = this.nc.subscribe(hotSubject(this.partition), {
      callback: (err, msg) => {
        if (err) return;
        try {
          const req = parseHotRequest(msg.data);
          const series = this.query(req.ids.map((k) => parseSeriesKey(k)!), req.start, req.end);
          msg.respond(encodeHotReply({ partition: this.partition, series }));
        } catch (e) {
          const h = headers();
          h.set(HOT_ERROR_HEADER, (e as Error).message.replace(/[\r\n]+/g, ' '));
          msg.respond(new Uint8Array(0), { headers: h });
          this.log.warn(`partition ${this.partition}: bad hot request: ${(e as Error).message}`);
        }
      },
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
  }
}

export function parseHotRequest(data: Uint8Array): HotRequest {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    throw new Error('hot request is not JSON');
  }
  const r = body as Partial<HotRequest>;
  if (!Array.isArray(r.ids) || !r.ids.every((k) => typeof k === 'string' && parseSeriesKey(k) !== undefined)) {
    throw new Error('hot request needs "ids": an array of 16-hex series keys');
  }
  if (r.ids.length > HOT_MAX_SERIES) throw new Error(`hot request names ${r.ids.length} series; at most ${HOT_MAX_SERIES}`);
  if (typeof r.start !== 'number' || typeof r.end !== 'number' || Number.isNaN(r.start) || Number.isNaN(r.end)) {
    throw new Error('hot request needs numeric "start" and "end"');
  }
  return { ids: r.ids, start: r.start, end: r.end };
}
