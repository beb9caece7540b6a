import type { IncomingMessage, ServerResponse } from 'node:http';
import { ZtsdbError } from '@ztsdb/errors';
import { LATENCY_BUCKETS, processMetrics } from '@ztsdb/metrics';
import { httpStatusOf } from './query-errors';
import type { QueryService } from './query.service';

const requests = processMetrics.counter(
  'ztsdb_query_requests_total',
  'Query requests, by endpoint and status.',
  ['endpoint', 'status'],
);

const duration = processMetrics.histogram(
  'ztsdb_query_duration_seconds',
  'Time to answer an HTTP query (/query, /series), by endpoint.',
  LATENCY_BUCKETS,
  ['endpoint'],
);

function sendJson(
  res: ServerResponse,
  status: number,
  body: Buffer | string,
  extra?: Record<string, string>,
): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(body);
}

/**
 * Runs one endpoint and writes its answer: JSON bytes or text as they are
 * (no ETag hash over the whole body), anything else through JSON.stringify;
 * an error as {error, code} with its HTTP status.
 */
export async function answerHttp(
  res: ServerResponse,
  endpoint: string,
  fn: () => Promise<unknown>,
): Promise<void> {
  const done = duration.startTimer({ endpoint });
  try {
    const body = await fn();
    done();
    requests.inc({ endpoint, status: '200' });
    sendJson(
      res,
      200,
      typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    );
  } catch (e) {
    const status = httpStatusOf(e);
    done();
    requests.inc({ endpoint, status: String(status) });
    const code = e instanceof ZtsdbError ? e.code : 'ZTSDB_INTERNAL';
    // A busy service says when to come back (ZTSDB_QUERY_MAX_CONCURRENT).
    const extra = code === 'ZTSDB_BUSY' ? { 'retry-after': '1' } : undefined;
    if (res.headersSent) res.destroy();
    else sendJson(res, status, JSON.stringify({ error: (e as Error).message, code }), extra);
  }
}

/** Parses a raw query string into params, as the Express app's "query parser" does for req.query. */
export type QueryStringParser = (raw: string) => Record<string, unknown>;

/**
 * GET (or HEAD) /query straight from node:http, ahead of Express and Nest's
 * router (bootstrap.ts puts it in front of the server's request listener),
 * so the hot endpoint skips their layers. It answers exactly as the
 * controller's route does: params parsed by the Express app's own query
 * parser, the same body, status and metrics. Returns false, having done
 * nothing, for any other request, which then goes to Express as before.
 */
export function queryListener(
  queries: QueryService,
  parseQuery: QueryStringParser,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (!url.startsWith('/query') || (url.length > 6 && url.charCodeAt(6) !== 63) /* ? */)
      return false;
    const q = url.indexOf('?');
    const params = q < 0 ? {} : parseQuery(url.slice(q + 1));
    answerHttp(res, 'query', () => queries.queryBuffer(params)).catch(() => res.destroy());
    return true;
  };
}
