import { Controller, Logger } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ZtsdbError } from '@ztsdb/errors';
import type { NatsConnection } from '@nats-io/transport-node';
import { QUERY_QUEUE_GROUP, SUBJECT_QUERY } from '@ztsdb/bus';
import { JsonNatsServer, MalformedJson } from '@ztsdb/rpc';
import { PromApi } from './prom-api/prom-api';
import { PromParams } from './prom-api/prom-params';
import { httpStatusOf } from './query-errors';
import { QueryService } from './query.service';

/** `{"error", "code", "status"}`: the error answer on `ztsdb.query` (status as HTTP would say it). */
function queryErrorAnswer(e: unknown): Buffer {
  const code = e instanceof ZtsdbError ? e.code : 'ZTSDB_INTERNAL';
  return Buffer.from(
    JSON.stringify({ error: (e as Error).message, code, status: httpStatusOf(e) }),
  );
}

/**
 * The transport NatsQueryController is served on: Nest's NATS transport with
 * plain JSON on the wire, queue group `ztsdb-query`, over the service's own
 * connection.
 */
export function queryNatsServer(connection: () => NatsConnection): JsonNatsServer {
  return new JsonNatsServer({
    connection,
    queue: QUERY_QUEUE_GROUP,
    errorAnswer: queryErrorAnswer,
    tooLargeHint:
      'ask for less (a shorter range, a step, fewer series), or take it in parts: ' +
      '"ztsdb query" and GET /query do',
  });
}

/**
 * `ztsdb.query` (queue group `ztsdb-query`, served by JsonNatsServer): plain
 * JSON in and out, so `nats req ztsdb.query '{…}'` works.
 * `{"series": name, …}` or `{"match": selector(s), "start"|"end"|"step"|"agg": …}` answers points
 * (the parameters of `GET /query`); `{"match": glob}` alone lists series (`GET /series`).
 * `{"promql": …, "time"|"start","end","step"}` answers PromQL with the Prometheus API's JSON.
 * Other errors come back as `{"error": message, "code": …, "status": http-like status}`.
 * Answers over max_payload are the transport's business (parts or ZTSDB_TOO_LARGE).
 * Nothing a request does escapes the handler: every failure is an error answer.
 */
@Controller()
export class NatsQueryController {
  private readonly log = new Logger('query');
  private readonly prom: PromApi;

  constructor(private readonly queries: QueryService) {
    this.prom = new PromApi(queries);
  }

  @MessagePattern(SUBJECT_QUERY)
  async answer(@Payload() req: unknown): Promise<Buffer> {
    try {
      if (req instanceof MalformedJson) {
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
      return queryErrorAnswer(e);
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
    const body = a!.body;
    return typeof body === 'string' ? Buffer.from(body) : body;
  }
}
