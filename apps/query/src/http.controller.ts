import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { enableRuntimeMetrics, processMetrics } from '@ztsdb/metrics';
import { answerHttp } from './query-listener';
import { QueryService } from './query.service';

/** The HTTP edge of the query service (DESIGN.md, "HTTP"). */
@Controller()
export class HttpController {
  constructor(private readonly queries: QueryService) {
    enableRuntimeMetrics(processMetrics);
  }

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

  /** The whole process's families (under `ztsdb all`, every service's) and the runtime ones. */
  @Get('metrics')
  async metrics(@Res() res: Response): Promise<void> {
    const text = await processMetrics.render();
    res.status(200).type(processMetrics.contentType).send(text);
  }
}
