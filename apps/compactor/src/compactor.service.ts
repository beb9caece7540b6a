import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { replicaCount } from '@ztsdb/bus';
import type { Settings } from '@ztsdb/config';
import { processMetrics } from '@ztsdb/metrics';
import { NatsClient, releaseMemoryNow, SETTINGS } from '@ztsdb/platform';
import { Compactor } from './compactor';

/**
 * Nest wrapper: the compactor starts with the application and stops with it.
 * Replicas share the partitions through leases in KV ztsdb_leases.
 */
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
    const memberId =
      s.ZTSDB_COMPACTOR_ID ||
      `${s.ZTSDB_HOST.replace(/[^A-Za-z0-9_-]/g, '_')}-${createHash('sha256').update(resolve(s.ZTSDB_DATA_DIR)).digest('hex').slice(0, 8)}`;
    processMetrics.gaugeFn(
      'ztsdb_compactor_owned_partitions',
      'Partitions this compactor replica holds the lease of and compacts.',
      () => [{ value: this.compactor?.ownedPartitions().length ?? 0 }],
    );
    processMetrics.gaugeFn(
      'ztsdb_compactor_standby',
      'Whether this replica is a hot standby (more compactor replicas than partitions: it compacts none and takes over when a replica leaves).',
      () => [{ value: this.compactor?.standby ? 1 : 0 }],
    );
    this.compactor = new Compactor(
      this.nats.nc,
      this.nats.js,
      {
        dataDir: s.ZTSDB_DATA_DIR,
        partitions: this.nats.partitions,
        coldAfterMs: s.ZTSDB_COLD_AFTER,
        coldWindowMs: s.ZTSDB_COLD_WINDOW,
        retentionMs: s.ZTSDB_RETENTION,
        graceMs: s.ZTSDB_WARM_GRACE,
        objectSweepMs: s.ZTSDB_TIER_SWEEP_INTERVAL,
        objectSweepAgeMs: s.ZTSDB_TIER_SWEEP_AGE,
        intervalMs: s.ZTSDB_COMPACT_INTERVAL,
        flushMs: s.ZTSDB_WARM_FLUSH,
        batchChunks: s.ZTSDB_WARM_BATCH_CHUNKS,
        batchBytes: s.ZTSDB_WARM_BATCH_BYTES,
        mergeFiles: s.ZTSDB_COLD_MERGE_FILES,
        mergeBufferBytes: s.ZTSDB_COLD_MERGE_BUFFER_BYTES,
        coldPackedSlack: 1 + s.ZTSDB_COLD_PACKED_SLACK_PERCENT / 100,
        coldBrotliQuality: s.ZTSDB_COLD_BROTLI_QUALITY,
        tierCacheBytes: s.ZTSDB_TIER_CACHE_BYTES,
        replicas: replicaCount(s),
        retry: this.nats.retry,
        registryIntervalMs: s.ZTSDB_REGISTRY_SNAPSHOT_INTERVAL,
        manifestSnapshotMs: s.ZTSDB_MANIFEST_SNAPSHOT_INTERVAL,
        stallLogMs: s.ZTSDB_WARN_INTERVAL,
        afterMerge: releaseMemoryNow,
        log: (m) => this.log.log(m),
        warn: (m) => this.log.warn(m),
      },
      {
        kv: this.nats.topology.leases,
        memberId,
        host: s.ZTSDB_HOST,
        ttlMs: s.ZTSDB_LEASE_TTL_MS,
      },
    );
    this.log.log(
      `compactor ${memberId}: sharing ${this.nats.partitions} partitions with the other replicas (lease TTL ${s.ZTSDB_LEASE_TTL_MS} ms)`,
    );
    await this.compactor.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.compactor?.stop();
  }
}
