import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { STREAM_SAMPLES, withRetry } from '@ztsdb/bus';
import type { Settings } from '@ztsdb/config';
import { processMetrics } from '@ztsdb/metrics';
import { NatsClient, SETTINGS } from '@ztsdb/platform';
import { LeaseManager } from './lease-manager';
import { PartitionOwner } from './partition-owner';
import { checkRetention, parsePinned } from './startup-checks';

/**
 * The ingestor replica: takes partition leases, and for each partition it
 * owns runs a PartitionOwner (consume → WAL → ack → head → sealed chunks,
 * hot queries). See docs/architecture.md and apps/ingestor/README.md.
 */
@Injectable()
export class IngestorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('ingestor');
  readonly owners = new Map<number, PartitionOwner>();
  private leases: LeaseManager | undefined;
  private jsm!: JetStreamManager;
  readonly memberId: string;

  constructor(
    private readonly nats: NatsClient,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.memberId =
      settings.ZTSDB_INGESTOR_ID ||
      `${settings.ZTSDB_HOST.replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const each = (f: (o: PartitionOwner) => number) =>
      [...this.owners.values()].map((o) => ({
        labels: { partition: String(o.partition) },
        value: o.state ? f(o) : 0,
      }));
    processMetrics.gaugeFn(
      'ztsdb_ingestor_owned_partitions',
      'Partitions this replica owns.',
      () => [{ value: this.owners.size }],
    );
    processMetrics.gaugeFn('ztsdb_ingestor_series', 'Series held in memory, by partition.', () =>
      each((o) => o.state.seriesCount),
    );
    processMetrics.gaugeFn(
      'ztsdb_ingestor_points',
      'Points in open chunks and out-of-order buffers, by partition.',
      () => each((o) => o.state.openPoints),
    );
    processMetrics.gaugeFn(
      'ztsdb_ingestor_held_chunks',
      'Sealed chunks held until a warm file has them, by partition.',
      () => each((o) => o.state.heldChunks),
    );
    processMetrics.gaugeFn(
      'ztsdb_ingestor_applied_sequence',
      'Last stream sequence applied, by partition.',
      () => each((o) => o.state.appliedSeq),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const s = this.settings;
    const retry = this.nats.retry;
    this.jsm = await withRetry('JetStream manager', () => jetstreamManager(this.nats.nc), retry);
    const jsm = this.jsm;
    const info = await withRetry(
      `stream info ${STREAM_SAMPLES}`,
      () => jsm.streams.info(STREAM_SAMPLES),
      retry,
    );
    checkRetention(info.config.max_age / 1e6, s.ZTSDB_CHUNK_MAX_AGE);
    const pinned = parsePinned(s.ZTSDB_INGESTOR_PARTITIONS, this.nats.partitions);
    this.leases = new LeaseManager(
      this.nats.topology.leases,
      {
        memberId: this.memberId,
        host: s.ZTSDB_HOST,
        partitions: this.nats.partitions,
        ttlMs: s.ZTSDB_LEASE_TTL_MS,
        pinned,
      },
      {
        acquired: async (p) => this.acquired(p),
        released: async (p, lost) => this.released(p, lost),
      },
    );
    void this.watchReconnects();
    this.leases.start();
    this.log.log(
      `ingestor ${this.memberId}: ${pinned ? `owning partitions ${pinned.join(',')}` : `sharing ${this.nats.partitions} partitions`} (lease TTL ${s.ZTSDB_LEASE_TTL_MS} ms)`,
    );
  }

  private async acquired(p: number): Promise<void> {
    const s = this.settings;
    const owner = new PartitionOwner(
      this.nats.nc,
      this.nats.js,
      this.jsm,
      this.nats.topology.config,
      this.memberId,
      {
        partition: p,
        dataDir: s.ZTSDB_DATA_DIR,
        maxChunkAgeMs: s.ZTSDB_CHUNK_MAX_AGE,
        snapshotIntervalMs: s.ZTSDB_INGESTOR_SNAPSHOT_INTERVAL,
        checkpointIntervalMs: Math.max(200, Math.min(2000, Math.floor(s.ZTSDB_LEASE_TTL_MS / 2))),
        limits: {
          partitions: this.nats.partitions,
          minTimestampMs: s.ZTSDB_MIN_TIMESTAMP_MS,
          maxFutureMs: s.ZTSDB_MAX_FUTURE,
        },
      },
    );
    this.owners.set(p, owner);
    this.log.log(`partition ${p}: lease acquired; taking over`);
    owner.start();
  }

  private async released(p: number, lost: boolean): Promise<void> {
    const owner = this.owners.get(p);
    this.owners.delete(p);
    if (!owner) return;
    await owner.stop(!lost);
    this.log.log(`partition ${p}: ${lost ? 'lease lost; stopped' : 'handed over'}`);
  }

  private async watchReconnects(): Promise<void> {
    for await (const st of this.nats.nc.status()) {
      if (st.type === 'reconnect') for (const o of this.owners.values()) o.reconnected();
    }
  }

  /** Resolves once every owned partition serves queries (tests and benchmarks). */
  async ready(): Promise<void> {
    await Promise.all([...this.owners.values()].map((o) => o.ready));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.leases?.stop();
  }
}
