import { ZtsdbError } from '@ztsdb/errors';
import { PromQLRunner } from '../promql/promql-runner';
import type { QueryService } from '../query.service';
import { promFailureOf } from './prom-errors';
import { errorBody } from './prom-json';
import { buildInfo, exemplars, metadata } from './prom-metadata';
import type { PromParams } from './prom-params';
import { instantQuery, rangeQuery } from './prom-query';
import { labelNames, labelValues, seriesList } from './prom-series';

export const PROM_API_PREFIX = '/api/v1/';

export interface PromAnswer {
  status: number;
  /** JSON: query answers are bytes already (prom-json.ts), the others text. */
  body: string | Buffer;
  /** The endpoint, for metrics: `query`, `label_values`, … */
  endpoint: string;
}

const LABEL_VALUES = /^label\/([^/]+)\/values$/;

/**
 * The Prometheus v1 read API over the query service, transport-free: HTTP (prom-listener.ts)
 * and NATS (`{"promql": …}` on ztsdb.query) both call `answer` with the path after /api/v1/
 * and the request's parameters, and send the body it gives with its status.
 */
export class PromApi {
  private readonly runner: PromQLRunner;

  constructor(private readonly queries: QueryService) {
    this.runner = new PromQLRunner(queries, queries.settings);
  }

  /** Undefined for a path that is not one of the endpoints. */
  async answer(path: string, p: PromParams, nowMs = Date.now()): Promise<PromAnswer | undefined> {
    const route = this.route(path, p, nowMs);
    if (!route) return undefined;
    try {
      return { status: 200, body: await route.run(), endpoint: route.endpoint };
    } catch (e) {
      const f = promFailureOf(e);
      if (!(e instanceof ZtsdbError) && !('errorType' in Object(e)))
        f.message = `internal error: ${f.message}`;
      return { status: f.status, body: errorBody(f), endpoint: route.endpoint };
    }
  }

  private route(
    path: string,
    p: PromParams,
    nowMs: number,
  ): { endpoint: string; run: () => Promise<string | Buffer> } | undefined {
    switch (path) {
      case 'query':
        return { endpoint: 'query', run: () => instantQuery(this.runner, p, nowMs) };
      case 'query_range':
        return { endpoint: 'query_range', run: () => rangeQuery(this.runner, p) };
      case 'series':
        return { endpoint: 'series', run: () => seriesList(this.queries, p) };
      case 'labels':
        return { endpoint: 'labels', run: () => labelNames(this.queries, p) };
      case 'metadata':
        return { endpoint: 'metadata', run: () => metadata(this.queries, p) };
      case 'status/buildinfo':
        return { endpoint: 'buildinfo', run: () => Promise.resolve(buildInfo()) };
      case 'query_exemplars':
        return { endpoint: 'query_exemplars', run: () => Promise.resolve(exemplars()) };
    }
    const m = LABEL_VALUES.exec(path);
    if (!m) return undefined;
    let name: string;
    try {
      name = decodeURIComponent(m[1]!);
    } catch {
      name = m[1]!;
    }
    return { endpoint: 'label_values', run: () => labelValues(this.queries, name, p) };
  }
}
