import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CSV_HEADER, EXPORT_FORMATS, exportLines, type ExportFormat } from '@ztsdb/ingest-formats';
import { parseTimeMs } from '../prom-api/prom-params';
import type { QueryService } from '../query.service';
import { exportSeries, readForExport } from './export-reader';
import { ReceiverError } from './http-body';

const CONTENT_TYPES: Record<ExportFormat, string> = {
  json: 'application/stream+json; charset=utf-8',
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

function timeOf(params: URLSearchParams, name: string, fallback: number): number {
  const text = params.get(name);
  if (text === null || text === '') return fallback;
  const ms = parseTimeMs(text);
  if (ms === undefined)
    throw new ReceiverError(400, `cannot parse ${name}=${JSON.stringify(text)} as a time`);
  return ms;
}

/**
 * `GET /api/v1/export?match[]=…&start=&end=&format=json|prometheus|csv`: every point of the
 * matching series, streamed (a block of series and a time window at a time, waiting for the
 * client to read), in VictoriaMetrics' JSON-lines shape by default. `start` defaults to
 * ZTSDB_RETENTION ago, `end` to now. An error after the first byte ends the connection
 * without its last chunk, so the client sees the answer is incomplete.
 */
export async function answerExport(
  queries: QueryService,
  req: IncomingMessage,
  res: ServerResponse,
  query: string,
  warn: (message: string) => void,
): Promise<void> {
  const params = new URLSearchParams(query);
  const format = (params.get('format') ?? 'json') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format))
    throw new ReceiverError(400, `format must be one of ${EXPORT_FORMATS.join(', ')}`);
  const now = Date.now();
  const end = timeOf(params, 'end', now);
  const start = timeOf(params, 'start', end - queries.settings.ZTSDB_RETENTION);
  if (start > end) throw new ReceiverError(400, `start (${start}) is after end (${end})`);
  const series = await exportSeries(queries, params.getAll('match[]'));
  let closed = false;
  res.once('close', () => (closed = true));
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[format],
    'x-ztsdb-series': String(series.length),
  });
  if (format === 'csv') res.write(CSV_HEADER);
  try {
    await readForExport(
      queries,
      series,
      start,
      end,
      async (s, pts) => {
        if (closed) throw new Error('the client went away');
        const text = exportLines(format, s.name, s.labels, pts.timestamps, pts.values);
        if (!res.write(text)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      },
      (e) => warn(`export skipped part of a file: ${e.message}`),
    );
  } catch (e) {
    req.socket.destroy(e as Error);
    return;
  }
  res.end();
}
