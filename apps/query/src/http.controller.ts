import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ZtsdbError } from '@ztsdb/errors';
import { processMetrics } from '@ztsdb/metrics';
import { httpStatusOf } from './query-errors';
import { QueryService } from './query.service';

const requests = processMetrics.counter(
  'ztsdb_query_requests_total',
  'Query requests, by endpoint and status.',
);

/** The HTTP edge of the query service (DESIGN.md, "HTTP"). */
@Controller()
export class HttpController {
  constructor(private readonly queries: QueryService) {}

  @Get('query')
  async query(@Query() params: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.answer(res, 'query', () => this.queries.queryJson(params));
  }

  @Get('series')
  async series(@Query() params: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.answer(res, 'series', async () => this.queries.series(params));
  }

  @Get('healthz')
  healthz(@Res() res: Response): void {
    const ok = this.queries.natsConnected;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'nats connection closed' });
  }

  @Get('readyz')
  readyz(@Res() res: Response): void {
    const ok = this.queries.ready;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'loading the series registry' });
  }

  @Get('metrics')
  metrics(@Res() res: Response): void {
    res.status(200).type('text/plain; version=0.0.4').send(processMetrics.render());
  }

  private async answer(res: Response, endpoint: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      const body = await fn();
      requests.inc({ endpoint, status: '200' });
      if (typeof body === 'string') {
        // Already JSON: written as is, without Express's send (no ETag hash over the whole body).
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      } else res.status(200).json(body);
    } catch (e) {
      const status = httpStatusOf(e);
      requests.inc({ endpoint, status: String(status) });
      const code = e instanceof ZtsdbError ? e.code : 'ZTSDB_INTERNAL';
      res.status(status).json({ error: (e as Error).message, code });
    }
  }
}
