import type { IncomingMessage, ServerResponse } from 'node:http';
import { LATENCY_BUCKETS, processMetrics } from '@ztsdb/metrics';
import { PromBadDataError, promFailureOf } from './prom-errors';
import { errorBody } from './prom-json';
import { PROM_API_PREFIX, type PromApi } from './prom-api';
import { PromParams } from './prom-params';

/** Largest form body accepted (a long query with many match[] fits easily). */
export const MAX_FORM_BYTES = 1 << 20;

const requests = processMetrics.counter(
  'ztsdb_promql_requests_total',
  'Prometheus API requests, by endpoint and status.',
  ['endpoint', 'status'],
);
const duration = processMetrics.histogram(
  'ztsdb_promql_duration_seconds',
  'Time to answer a Prometheus API request (reading the form, evaluating, writing JSON), by endpoint.',
  LATENCY_BUCKETS,
  ['endpoint'],
);

function send(res: ServerResponse, status: number, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** The body of a form-encoded POST as text; other content types are refused. */
function readForm(req: IncomingMessage): Promise<string> {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    return Promise.reject(
      new PromBadDataError(
        `POST needs Content-Type application/x-www-form-urlencoded, got ${JSON.stringify(type)}`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) {
        reject(new PromBadDataError(`form body over ${MAX_FORM_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * GET and form-encoded POST under /api/v1/, straight from node:http ahead of Express
 * (bootstrap.ts puts it behind the bearer guard). Returns false, having done nothing, for a
 * request that is not one of the endpoints; it then goes on to Express (and its 404).
 */
export function promListener(api: PromApi): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '';
    if (!url.startsWith(PROM_API_PREFIX)) return false;
    const q = url.indexOf('?');
    const path = url.slice(PROM_API_PREFIX.length, q < 0 ? undefined : q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') return false;
    const started = performance.now();
    void (async () => {
      let status: number;
      let body: string | Buffer;
      let endpoint = 'unknown';
      try {
        const form = method === 'POST' ? await readForm(req) : '';
        const a = await api.answer(path, PromParams.parse(query, form));
        if (!a) {
          status = 404;
          body = JSON.stringify({
            status: 'error',
            errorType: 'not_found',
            error: `unknown endpoint /api/v1/${path}`,
          });
        } else ({ status, body, endpoint } = a);
      } catch (e) {
        const f = promFailureOf(e);
        status = f.status;
        body = errorBody(f);
      }
      requests.inc({ endpoint, status: String(status) });
      duration.observe({ endpoint }, (performance.now() - started) / 1000);
      if (res.headersSent) res.destroy();
      else send(res, status, body);
    })().catch(() => res.destroy());
    return true;
  };
}
