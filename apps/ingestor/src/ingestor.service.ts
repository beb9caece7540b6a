import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import {
  DEFAULT_TOPOLOGY,
  DeadLetterReporter,
  ensureTopology,
  replicaCount,
  STREAM_SAMPLES,
  withRetry,
} from '@ztsdb/bus';
import type { Settings } from '@ztsdb/config';
import { processMetrics } from '@ztsdb/metrics';
import { LeaseManager } from '@ztsdb/lease';
import { NatsClient, onMemoryRelease, SETTINGS } from '@ztsdb/platform';
import { ImageScratch } from '@ztsdb/tsdb';
import { DiskGuard } from './disk-guard';
import { SnapshotTurns } from './snapshot-turns';
import { zeroPartitionCounters } from './ingestor-metrics';
import { PartitionOwner } from './partition-owner';
import { checkRetention, parsePinned } from './startup-checks';
import { StreamWatch } from './stream-watch';

/** What /healthz and /readyz of the ingestor report. */
export interface IngestorHealth {
  /** False while ingestion cannot work at all (the samples stream is missing). */
  healthy: boolean;
  /** True once every owned partition serves and consumes. */
  ready: boolean;
  problems: string[];
}

/**
 * The ingestor replica: takes partition leases, and for each partition it
 * owns runs a PartitionOwner (consume → WAL → ack → head → sealed chunks,
 * hot queries). See docs/architecture.md and apps/ingestor/README.md.
 */
@Injectable()
export class IngestorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('ingestor');
  readonly owners = new Map<number, PartitionOwner>();
  private stopShedding?: () => void;
  private leases: LeaseManager | undefined;
  private jsm!: JetStreamManager;
  private watch: StreamWatch | undefined;
  readonly memberId: string;
  readonly disk: DiskGuard;
  private readonly deadLetters: DeadLetterReporter;
  /** Its partitions' snapshots, one at a time. */
  private readonly snapshotTurns = new SnapshotTurns();
  private readonly snapshotScratch: ImageScratch;

  constructor(
    private readonly nats: NatsClient,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.memberId =
      settings.ZTSDB_INGESTOR_ID ||
      `${settings.ZTSDB_HOST.replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.snapshotScratch = new ImageScratch(settings.ZTSDB_INGESTOR_SNAPSHOT_SCRATCH_BYTES);
    this.disk = new DiskGuard({
      dir: settings.ZTSDB_DATA_DIR,
      minFreeBytes: settings.ZTSDB_DISK_MIN_FREE_BYTES,
      resumeFreeBytes: settings.ZTSDB_DISK_MIN_FREE_BYTES + settings.ZTSDB_WAL_MAX_BYTES / 4,
      probeIntervalMs: settings.ZTSDB_DISK_PROBE_INTERVAL,
      warnIntervalMs: settings.ZTSDB_WARN_INTERVAL,
      log: { warn: (l) => this.log.warn(l), log: (l) => this.log.log(l) },
    });
    this.deadLetters = new DeadLetterReporter(
      nats.nc,
      'samples',
      (l) => this.log.warn(l),
      settings.ZTSDB_WARN_INTERVAL,
    );
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
    processMetrics.gaugeFn(
      'ztsdb_ingestor_standby',
      'Whether this replica is a hot standby (more replicas than partitions: it owns none and takes over when a replica leaves).',
      () => [{ value: this.leases?.standby ? 1 : 0 }],
    );
    processMetrics.gaugeFn(
      'ztsdb_ingestor_partitions_target',
      'Partitions this replica should own: its balanced share of the partitions among the live replicas.',
      () => [{ value: this.leases?.target ?? 0 }],
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
    // An idle ingestor's pools (4 partitions: 4 MiB of free columns, 4 MiB of spare pages)
    // wait for the next burst, which may be hours away: given back with the idle collection.
    this.stopShedding = onMemoryRelease(() => {
      for (const o of this.owners.values()) o.shedSpare();
      this.snapshotScratch.drop();
    });
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
        log: this.log,
      },
      {
        acquired: async (p) => this.acquired(p),
        released: async (p, lost) => this.released(p, lost),
      },
    );
    void this.watchReconnects();
    this.watch = new StreamWatch(this.jsm, {
      intervalMs: s.ZTSDB_STREAM_CHECK_INTERVAL,
      recreateAfterMs: s.ZTSDB_STREAM_RECREATE_AFTER,
      warnIntervalMs: s.ZTSDB_WARN_INTERVAL,
      recreate: async () => {
        await ensureTopology(this.nats.nc, {
          ...DEFAULT_TOPOLOGY,
          samplesMaxAgeMs: s.ZTSDB_SAMPLES_RETENTION_MS,
          replicas: replicaCount(s),
          log: (l) => this.log.warn(l),
        });
      },
      partitions: () => this.owners.values(),
      log: {
        error: (l) => this.log.error(l),
        warn: (l) => this.log.warn(l),
        log: (l) => this.log.log(l),
      },
    });
    this.watch.start();
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
        disk: this.disk,
        walMaxBytes: s.ZTSDB_WAL_MAX_BYTES,
        // A pull whose max_bytes is below a message's size stalls: let the largest batch fit.
        fetchBytes: Math.max(
          s.ZTSDB_INGESTOR_FETCH_BYTES,
          2 * (this.nats.nc.info?.max_payload ?? 1024 * 1024),
        ),
        deadLetters: this.deadLetters,
        warnIntervalMs: s.ZTSDB_WARN_INTERVAL,
        retry: this.nats.retry,
        hotExtentMaxAgeMs: s.ZTSDB_HOT_EXTENT_MAX_AGE_MS,
        snapshotTurns: this.snapshotTurns,
        snapshotScratch: this.snapshotScratch,
      },
    );
    this.owners.set(p, owner);
    this.log.log(`partition ${p}: lease acquired; taking over`);
    zeroPartitionCounters(p);
    // A failed takeover gives the lease back: a later round (here or on another
    // replica) takes the partition over afresh instead of holding it unserved.
    owner.start(() => {
      if (this.owners.get(p) !== owner) return;
      this.log.warn(`partition ${p}: giving its lease back after the failed takeover`);
      void this.leases?.release(p);
    });
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

  /** Health for /healthz and /readyz: a missing stream is unhealthy; any partition not consuming is not ready. */
  health(): IngestorHealth {
    const problems: string[] = [];
    const streamProblem = this.watch?.problem ?? '';
    if (streamProblem) problems.push(streamProblem);
    if (!this.leases) problems.push('starting');
    for (const o of this.owners.values()) {
      const why = o.problem();
      if (why) problems.push(`partition ${o.partition}: ${why}`);
    }
    return { healthy: streamProblem === '', ready: problems.length === 0, problems };
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopShedding?.();
    await this.watch?.stop();
    await this.leases?.stop();
    this.disk.stop();
    this.deadLetters.stop();
  }
}
