import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { QUERY_QUEUE_GROUP, SUBJECT_QUERY } from '@ztsdb/bus';
import { ZtsdbError } from '@ztsdb/errors';
import { NatsClient } from '@ztsdb/platform';
import { ACCEPT_PARTS_HEADER, splitAnswer } from '@ztsdb/wire';
import { PromApi } from './prom-api/prom-api';
import { PromParams } from './prom-api/prom-params';
import { httpStatusOf } from './query-errors';
import { QueryService } from './query.service';

/** max_payload assumed when the server did not say (nats-server's default). */
const DEFAULT_MAX_PAYLOAD = 1 << 20;

function errorBody(e: unknown): Buffer {
  const code = e instanceof ZtsdbError ? e.code : 'ZTSDB_INTERNAL';
  return Buffer.from(
    JSON.stringify({ error: (e as Error).message, code, status: httpStatusOf(e) }),
  );
}

/**
 * `ztsdb.query`: plain JSON in and out, so `nats req ztsdb.query '{…}'` works.
 * `{"series": name, …}` or `{"match": selector(s), "start"|"end"|"step"|"agg": …}` answers points
 * (the parameters of `GET /query`); `{"match": glob}` alone lists series (`GET /series`).
 * `{"promql": …, "time"|"start","end","step"}` answers PromQL with the Prometheus API's JSON.
 * Other errors come back as `{"error": message, "code": …, "status": http-like status}`.
 * An answer over the server's max_payload goes out in parts (answer-parts.ts)
 * when the request carries `Ztsdb-Accept-Parts`, and is refused with
 * `ZTSDB_TOO_LARGE` otherwise. Nothing a request does escapes this class.
 */
@Injectable()
export class NatsQueryResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('query');
  private sub: Subscription | undefined;
  private readonly prom: PromApi;

  constructor(
    private readonly nats: NatsClient,
    private readonly queries: QueryService,
  ) {
    this.prom = new PromApi(queries);
  }

  onApplicationBootstrap(): void {
    this.sub = this.nats.nc.subscribe(SUBJECT_QUERY, {
      queue: QUERY_QUEUE_GROUP,
      callback: (err, msg) => {
        if (err) {
          this.log.error(`ztsdb.query subscription: ${err.message}`);
          return;
        }
        this.reply(msg).catch((e: Error) =>
          this.log.error(`ztsdb.query reply failed: ${e.stack ?? e.message}`),
        );
      },
    });
  }

  private async reply(msg: Msg): Promise<void> {
    const body = await this.handle(msg.data);
    const max = this.nats.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    if (body.length <= max) {
      msg.respond(body);
      return;
    }
    if (msg.headers?.has(ACCEPT_PARTS_HEADER)) {
      let parts;
      try {
        parts = splitAnswer(body, max);
      } catch (e) {
        msg.respond(errorBody(e));
        return;
      }
      for (const p of parts) msg.respond(p.data, { headers: p.headers });
      return;
    }
    msg.respond(
      errorBody(
        new ZtsdbError(
          'ZTSDB_TOO_LARGE',
          `the answer is ${body.length} bytes, over the NATS server's max_payload of ${max}; ` +
            'ask for less (a shorter range, a step, fewer series), or take it in parts: ' +
            `"ztsdb query" and GET /query do, and so does a request with the header ${ACCEPT_PARTS_HEADER}: 1`,
        ),
      ),
    );
  }

  /** The answer to one request as JSON bytes; an error answer for anything that fails. */
  async handle(data: Uint8Array): Promise<Buffer> {
    try {
      let req: unknown;
      try {
        req = JSON.parse(Buffer.from(data).toString('utf8'));
      } catch {
        throw new ZtsdbError(
          'ZTSDB_BAD_REQUEST',
          'request is not JSON; send {"series": "<name>", "start": "-5m"} or {"match": "<glob>"}',
        );
      }
      if (typeof req === 'object' && req !== null && !Array.isArray(req)) {
        const r = req as Record<string, unknown>;
        if ('promql' in r) return await this.promql(r);
        const ranged = ['start', 'end', 'step', 'agg', 'by', 'lookback'].some((k) => k in r);
        if ('series' in r || ('match' in r && ranged) || 'match[]' in r)
          return await this.queries.queryBuffer(r);
        if ('match' in r) return Buffer.from(JSON.stringify(await this.queries.series(r)));
      }
      throw new ZtsdbError(
        'ZTSDB_BAD_REQUEST',
        'request needs "series" (points of one series) or "match" (list series)',
      );
    } catch (e) {
      if (!(e instanceof ZtsdbError)) this.log.error(`ztsdb.query failed: ${(e as Error).stack}`);
      return errorBody(e);
    }
  }

  /**
   * `{"promql": …, "time"}` (instant) or `{"promql": …, "start", "end", "step"}` (range):
   * the body `/api/v1/query` or `/api/v1/query_range` answers, errors included.
   */
  private async promql(r: Record<string, unknown>): Promise<Buffer> {
    const { promql, ...rest } = r;
    const range = 'start' in r || 'end' in r || 'step' in r;
    const p = PromParams.fromObject({ ...rest, query: promql });
    const a = await this.prom.answer(range ? 'query_range' : 'query', p);
    return Buffer.from(a!.body);
  }

  onApplicationShutdown(): void {
    this.sub?.unsubscribe();
  }
}
