import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { RepeatedWarnings } from '@ztsdb/bus';
import { processMetrics } from '@ztsdb/metrics';
import { BackpressureError } from '@ztsdb/producer';
import type { QueryService } from '../query.service';
import { answerExport } from './export-handler';
import { ReceiverError } from './http-body';
import type { ReceiverService } from './receiver.service';
import { DeltaTotals, receiveOtlp } from './otlp-receiver';
import { receiveRemoteWrite } from './remote-write-receiver';

const requests = processMetrics.counter(
  'ztsdb_receiver_requests_total',
  'Write requests to the receivers, by endpoint and status.',
  ['endpoint', 'status'],
);
const samplesIn = processMetrics.counter(
  'ztsdb_receiver_samples_total',
  'Samples acknowledged by JetStream for the receivers, by endpoint.',
  ['endpoint'],
);

type Handler = (req: IncomingMessage, res: ServerResponse, query: string) => Promise<void>;

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  retryAfterS?: number,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(message) + 1,
  };
  if (retryAfterS !== undefined) headers['retry-after'] = retryAfterS;
  res.writeHead(status, headers);
  res.end(`${message}\n`);
}

/** Status and message of a failed write; anything unexpected is a 500 with its message. */
function failureOf(e: unknown): { status: number; message: string; retryAfterS?: number } {
  if (e instanceof ReceiverError)
    return { status: e.status, message: e.message, retryAfterS: e.retryAfterS };
  if (e instanceof BackpressureError)
    return { status: e.status, message: e.message, retryAfterS: e.retryAfterS };
  return { status: 500, message: `internal error: ${(e as Error).message}` };
}

/**
 * The receivers' and export's HTTP routes, straight from node:http ahead of Express and of
 * the Prometheus read API (bootstrap.ts puts it behind the bearer guard): POST /api/v1/write,
 * POST /v1/metrics, GET /api/v1/export. Returns false for any other request.
 */
export function ingestListener(
  receiver: ReceiverService,
  queries: QueryService,
  extra: Record<string, Handler> = {},
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const s = receiver.settings;
  const log = new Logger('export');
  const deltas = new DeltaTotals();
  const warnings = new RepeatedWarnings((m) => log.warn(m), s.ZTSDB_WARN_INTERVAL);
  const routes: Record<string, Handler> = {
    'POST /api/v1/write': async (req, res) => {
      const out = await receiveRemoteWrite(req, receiver.writer, {
        maxBytes: s.ZTSDB_WRITE_MAX_BYTES,
        maxSeries: s.ZTSDB_WRITE_MAX_SERIES,
      });
      samplesIn.inc({ endpoint: 'remote_write' }, out.counts.samples);
      const headers: Record<string, number> = {};
      if (out.version === 2) {
        headers['x-prometheus-remote-write-samples-written'] = out.counts.samples;
        headers['x-prometheus-remote-write-histograms-written'] = 0;
        headers['x-prometheus-remote-write-exemplars-written'] = 0;
      }
      if (out.counts.histograms > 0) {
        // Nothing of a native histogram is stored; say so rather than pretend.
        const msg = `${out.counts.histograms} native histogram samples are not supported and were not stored`;
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', ...headers });
        res.end(`${msg}\n`);
        return;
      }
      res.writeHead(204, headers);
      res.end();
    },
    'POST /v1/metrics': async (req, res) => {
      const out = await receiveOtlp(
        req,
        receiver.writer,
        deltas,
        s.ZTSDB_WRITE_MAX_BYTES,
        s.ZTSDB_WRITE_MAX_SERIES,
      );
      samplesIn.inc({ endpoint: 'otlp' }, out.samples);
      // ExportMetricsServiceResponse: empty, or partial_success (field 1: rejected count 1,
      // message 2) when exponential histograms were left out.
      const message = `${out.skippedMetrics} exponential histogram metrics are not supported`;
      if (out.json) {
        const body = JSON.stringify(
          out.skippedMetrics > 0
            ? { partialSuccess: { rejectedDataPoints: '0', errorMessage: message } }
            : {},
        );
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      } else {
        res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
        res.end();
      }
    },
    'GET /api/v1/export': (req, res, query) =>
      answerExport(queries, req, res, query, (m) => warnings.report('export', m)),
    ...extra,
  };
  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const key = `${req.method ?? 'GET'} ${path}`;
    const route = routes[key];
    if (!route) return false;
    const endpoint = path;
    route(req, res, q < 0 ? '' : url.slice(q + 1)).then(
      () => requests.inc({ endpoint, status: String(res.statusCode) }),
      (e: unknown) => {
        const f = failureOf(e);
        requests.inc({ endpoint, status: String(f.status) });
        sendError(res, f.status, f.message, f.retryAfterS);
      },
    );
    return true;
  };
}
