import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { QUERY_QUEUE_GROUP, SUBJECT_QUERY } from '@ztsdb/bus';
import { ZtsdbError } from '@ztsdb/errors';
import { NatsClient } from '@ztsdb/platform';
import { httpStatusOf } from './query-errors';
import { QueryService } from './query.service';

/**
 * `ztsdb.query`: plain JSON in and out, so `nats req ztsdb.query '{…}'` works.
 * `{"series": name, …}` or `{"match": selector(s), "start"|"end"|"step"|"agg": …}` answers points
 * (the parameters of `GET /query`); `{"match": glob}` alone lists series (`GET /series`).
 * Errors come back as `{"error": message, "code": …, "status": http-like status}`.
 */
@Injectable()
export class NatsQueryResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('query');
  private sub: Subscription | undefined;

  constructor(
    private readonly nats: NatsClient,
    private readonly queries: QueryService,
  ) {}

  onApplicationBootstrap(): void {
    this.sub = this.nats.nc.subscribe(SUBJECT_QUERY, {
      queue: QUERY_QUEUE_GROUP,
      callback: (err, msg) => {
        if (err) return;
        void this.handle(msg.data).then((body) =>
          msg.respond(typeof body === 'string' ? body : JSON.stringify(body)),
        );
      },
    });
  }

  async handle(data: Uint8Array): Promise<unknown> {
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
        const ranged = ['start', 'end', 'step', 'agg', 'by', 'lookback'].some((k) => k in r);
        if ('series' in r || ('match' in r && ranged) || 'match[]' in r)
          return await this.queries.queryJson(r);
        if ('match' in r) return this.queries.series(r);
      }
      throw new ZtsdbError(
        'ZTSDB_BAD_REQUEST',
        'request needs "series" (points of one series) or "match" (list series)',
      );
    } catch (e) {
      const code = e instanceof ZtsdbError ? e.code : 'ZTSDB_INTERNAL';
      if (code === 'ZTSDB_INTERNAL') this.log.error(`ztsdb.query failed: ${(e as Error).stack}`);
      return { error: (e as Error).message, code, status: httpStatusOf(e) };
    }
  }

  onApplicationShutdown(): void {
    this.sub?.unsubscribe();
  }
}
