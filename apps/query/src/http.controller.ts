import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { processMetrics } from '@ztsdb/metrics';
import { answerHttp } from './query-listener';
import { QueryService } from './query.service';

/** The HTTP edge of the query service (DESIGN.md, "HTTP"). */
@Controller()
export class HttpController {
  constructor(private readonly queries: QueryService) {}

  @Get('query')
  async query(@Query() params: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await answerHttp(res, 'query', () => this.queries.queryBuffer(params));
  }

  @Get('series')
  async series(@Query() params: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await answerHttp(res, 'series', async () => this.queries.series(params));
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
}
