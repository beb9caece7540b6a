import { headers, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { hotSubject } from '@ztsdb/bus';
import { parseSeriesKey } from '@ztsdb/model';
import { encodeHotReplyParts, HOT_REPLY_MIN_PART_BYTES, type SeriesPoints } from '@ztsdb/wire';
import { thinToSteps } from './hot-step-thin';

/**
 * Request body of `ztsdb.hot.p.<n>` (docs/format/hot-reply.md): series ids as
 * 16-hex keys and an inclusive range; optionally `step` (ms: only the points
 * that are the last at or before some instant start + k·step are needed) and
 * `maxBytes` (largest reply message the asker wants).
 */
export interface HotRequest {
  ids: string[];
  start: number;
  end: number;
  step?: number;
  maxBytes?: number;
}

export const HOT_ERROR_HEADER = 'Ztsdb-Error';
/** Most series one hot request may name. */
export const HOT_MAX_SERIES = 100_000;
/** NATS's default max_payload, used when the server did not say. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** The hot points of `ids` in [start, end], now or (while the partition's applies are held) later. */
export type HotQuery = (
  ids: bigint[],
  start: number,
  end: number,
) => SeriesPoints[] | Promise<SeriesPoints[]>;

/**
 * Answers hot-data requests for one partition with binary hot replies, split
 * into as many messages as the server's max_payload (or the request's
 * maxBytes) needs; each message says which part of how many it is. A bad
 * request is answered with an empty body and the `Ztsdb-Error` header, and
 * reported to `onBadRequest`. Free of NestJS (HotResponder adds the logger).
 */
export class HotReplyServer {
  private sub: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    readonly partition: number,
    private readonly query: HotQuery,
    private readonly onBadRequest: (reason: string) => void = () => undefined,
  ) {}

  start(): void {
    this.sub = this.nc.subscribe(hotSubject(this.partition), {
      callback: (err, msg) => {
        if (err) return;
        const fail = (e: Error): void => {
          const h = headers();
          h.set(HOT_ERROR_HEADER, e.message.replace(/[\r\n]+/g, ' '));
          msg.respond(new Uint8Array(0), { headers: h });
          this.onBadRequest(e.message);
        };
        let req: HotRequest;
        let series: SeriesPoints[] | Promise<SeriesPoints[]>;
        try {
          req = parseHotRequest(msg.data);
          series = this.query(
            req.ids.map((k) => parseSeriesKey(k)!),
            req.start,
            req.end,
          );
        } catch (e) {
          return fail(e as Error);
        }
        const answer = (points: SeriesPoints[]): void => {
          let parts: Uint8Array[];
          try {
            parts = this.encode(req, points);
          } catch (e) {
            return fail(e as Error);
          }
          for (const p of parts) msg.respond(p);
        };
        if (Array.isArray(series)) answer(series);
        else series.then(answer, fail);
      },
    });
  }

  /** The reply's messages: thinned to the request's step, split to fit its limit. */
  private encode(req: HotRequest, series: SeriesPoints[]): Uint8Array[] {
    if (req.step !== undefined)
      series = series.map((s) => thinToSteps(s, req.start, req.end, req.step!));
    const limit = Math.min(
      this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD,
      req.maxBytes ?? Infinity,
    );
    return encodeHotReplyParts({ partition: this.partition, series }, limit);
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
  if (
    !Array.isArray(r.ids) ||
    !r.ids.every((k) => typeof k === 'string' && parseSeriesKey(k) !== undefined)
  ) {
    throw new Error('hot request needs "ids": an array of 16-hex series keys');
  }
  if (r.ids.length > HOT_MAX_SERIES)
    throw new Error(`hot request names ${r.ids.length} series; at most ${HOT_MAX_SERIES}`);
  if (
    typeof r.start !== 'number' ||
    typeof r.end !== 'number' ||
    Number.isNaN(r.start) ||
    Number.isNaN(r.end)
  ) {
    throw new Error('hot request needs numeric "start" and "end"');
  }
  const out: HotRequest = { ids: r.ids, start: r.start, end: r.end };
  if (r.step !== undefined) {
    if (typeof r.step !== 'number' || !Number.isFinite(r.step) || r.step <= 0)
      throw new Error('hot request "step" must be a positive number of ms');
    out.step = r.step;
  }
  if (r.maxBytes !== undefined) {
    if (
      typeof r.maxBytes !== 'number' ||
      !Number.isInteger(r.maxBytes) ||
      r.maxBytes < HOT_REPLY_MIN_PART_BYTES
    ) {
      throw new Error(
        `hot request "maxBytes" must be an integer of at least ${HOT_REPLY_MIN_PART_BYTES}`,
      );
    }
    out.maxBytes = r.maxBytes;
  }
  return out;
}
