import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { replicaCount } from '@ztsdb/bus';
import type { Settings } from '@ztsdb/config';
import { NatsClient, SETTINGS } from '@ztsdb/platform';
import { Compactor } from './compactor';

/** Nest wrapper: the compactor starts with the application and stops with it. */
@Injectable()
export class CompactorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('compactor');
  compactor!: Compactor;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly nats: NatsClient,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const s = this.settings;
    this.compactor = new Compactor(this.nats.nc, this.nats.js, {
      dataDir: s.ZTSDB_DATA_DIR,
      partitions: this.nats.partitions,
      coldAfterMs: s.ZTSDB_COLD_AFTER,
      coldWindowMs: s.ZTSDB_COLD_WINDOW,
      retentionMs: s.ZTSDB_RETENTION,
      graceMs: s.ZTSDB_WARM_GRACE,
      intervalMs: s.ZTSDB_COMPACT_INTERVAL,
      flushMs: s.ZTSDB_WARM_FLUSH,
      batchChunks: s.ZTSDB_WARM_BATCH_CHUNKS,
      mergeFiles: s.ZTSDB_COLD_MERGE_FILES,
      retry: this.nats.retry,
      registryIntervalMs: s.ZTSDB_REGISTRY_SNAPSHOT_INTERVAL,
      replicas: replicaCount(s),
      stallLogMs: s.ZTSDB_WARN_INTERVAL,
      log: (m) => this.log.log(m),
      warn: (m) => this.log.warn(m),
    });
    await this.compactor.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.compactor?.stop();
  }
}
