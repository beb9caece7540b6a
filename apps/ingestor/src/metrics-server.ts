import { createServer, type Server } from 'node:http';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { notFoundBody } from '@ztsdb/errors';
import { processMetrics } from '@ztsdb/metrics';
import { SETTINGS } from '@ztsdb/platform';
import { IngestorService } from './ingestor.service';

/**
 * `/metrics`, `/healthz` and `/readyz` for a lone `ztsdb ingestor`
 * (ZTSDB_INGESTOR_HTTP_ADDR); under `ztsdb all` the query service serves the
 * same registry. `/healthz` is 503 while the samples stream is missing,
 * `/readyz` while any owned partition does not consume (taking over, disk
 * full, consumer being re-created), each with the reasons.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('ingestor');
  private server: Server | undefined;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly ingestor: IngestorService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const addr = this.settings.ZTSDB_INGESTOR_HTTP_ADDR;
    if (!addr) return;
    const host = addr.slice(0, addr.lastIndexOf(':'));
    const port = Number(addr.slice(addr.lastIndexOf(':') + 1));
    this.server = createServer((req, res) => {
      if (req.url === '/metrics') {
        res
          .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
          .end(processMetrics.render());
      } else if (req.url === '/healthz' || req.url === '/readyz') {
        const h = this.ingestor.health();
        const ok = req.url === '/healthz' ? h.healthy : h.ready;
        res
          .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', problems: h.problems }));
      } else {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(notFoundBody(req.method, req.url));
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    this.log.log(`serving /metrics on http://${addr}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
