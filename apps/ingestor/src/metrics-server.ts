import { Inject, Injectable } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { NatsClient, SETTINGS, ServiceEndpoints, type ServiceProblems } from '@ztsdb/platform';
import { IngestorService } from './ingestor.service';

/**
 * The ingestor's `/metrics`, `/healthz` and `/readyz` on ZTSDB_INGESTOR_HTTP_ADDR.
 * `/healthz` is 503 while the samples stream is missing or the NATS connection is closed,
 * `/readyz` also while any owned partition does not consume (taking over, disk full,
 * consumer being re-created) or NATS is disconnected, each with the reasons.
 */
@Injectable()
export class MetricsServer extends ServiceEndpoints {
  constructor(
    @Inject(SETTINGS) settings: Settings,
    nats: NatsClient,
    private readonly ingestor: IngestorService,
  ) {
    super('ingestor', addrOf(settings.ZTSDB_INGESTOR_HTTP_ADDR), settings, nats);
  }

  protected problems(): ServiceProblems {
    const h = this.ingestor.health();
    return h.healthy ? { fatal: [], waiting: h.problems } : { fatal: h.problems, waiting: [] };
  }
}

/** "off" = not served. */
export function addrOf(setting: string): string {
  return setting === 'off' ? '' : setting;
}
