import { Inject, Injectable } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { NatsClient, SETTINGS, ServiceEndpoints, type ServiceProblems } from '@ztsdb/platform';
import { CollectorService } from './collector.service';

/**
 * The collector's `/metrics`, `/healthz` and `/readyz` on ZTSDB_COLLECTOR_HTTP_ADDR ("off":
 * none). Ready once the source is started and a tick went through, while NATS is connected.
 */
@Injectable()
export class CollectorEndpoints extends ServiceEndpoints {
  constructor(
    @Inject(SETTINGS) settings: Settings,
    nats: NatsClient,
    private readonly collector: CollectorService,
  ) {
    const addr = settings.ZTSDB_COLLECTOR_HTTP_ADDR;
    super('collector', addr === 'off' ? '' : addr, settings, nats);
  }

  protected problems(): ServiceProblems {
    return { fatal: [], waiting: this.collector.readinessProblems() };
  }
}
