import { Inject, Injectable } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { NatsClient, SETTINGS, ServiceEndpoints, type ServiceProblems } from '@ztsdb/platform';
import { CompactorService } from './compactor.service';

/**
 * The compactor's `/metrics`, `/healthz` and `/readyz` on ZTSDB_COMPACTOR_HTTP_ADDR ("off":
 * none). Ready once the manifest is replayed into its catalog and it consumes sealed
 * chunks, while NATS is connected.
 */
@Injectable()
export class CompactorEndpoints extends ServiceEndpoints {
  constructor(
    @Inject(SETTINGS) settings: Settings,
    nats: NatsClient,
    private readonly compactor: CompactorService,
  ) {
    const addr = settings.ZTSDB_COMPACTOR_HTTP_ADDR;
    super('compactor', addr === 'off' ? '' : addr, settings, nats);
  }

  protected problems(): ServiceProblems {
    const started = this.compactor.compactor?.started === true;
    return { fatal: [], waiting: started ? [] : ['replaying the manifest'] };
  }
}
