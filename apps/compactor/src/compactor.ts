import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { processMetrics } from '@ztsdb/metrics';
import { FileCatalog, ManifestFollower, ManifestPublisher } from '@ztsdb/manifest';
import { ManifestSnapshots } from './manifest-snapshots';
import { DEFAULT_TIER_CACHE_BYTES, TierStore } from '@ztsdb/tierstore';
import type { CompactorOptions } from './compactor-options';
import { removeUnrecorded } from './data-dir-cleanup';
import { PartitionSinks, type CompactorLeases } from './partition-sinks';
import { RegistryKeeper } from './registry-keeper';
import { TierMaintainer } from './tier-maintainer';
import { WarmSink } from './warm-sink';

/**
 * The compactor without Nest: replays the manifest into its catalog, removes
 * what a crash left unrecorded, then consumes sealed chunks into warm files
 * and runs the periodic tier work. With `leases` it is one of several
 * replicas: its catalog keeps following the manifest (the others' files), and
 * it compacts only the partitions it holds the lease of (partition-sinks.ts);
 * without, it compacts every partition alone.
 */
export class Compactor {
  readonly catalog: FileCatalog;
  private sink: WarmSink | undefined;
  private sinks: PartitionSinks | undefined;
  private follower: ManifestFollower | undefined;
  private maintainer: TierMaintainer | undefined;
  private registry: RegistryKeeper | undefined;
  private snapshots: ManifestSnapshots | undefined;
  private closed = false;
  /** The catalog is replayed and sealed chunks are consumed (readiness). */
  started = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly opts: CompactorOptions,
    private readonly leases?: CompactorLeases,
  ) {
    this.catalog = new FileCatalog({ partitions: opts.partitions });
    processMetrics.gaugeFn(
      'ztsdb_compactor_files',
      'Files in the compactor catalog, by tier and state.',
      () => {
        const rows: Record<string, number> = {};
        for (const f of this.catalog.all()) {
          const state =
            f.supersededAtMs !== undefined || f.expiredAtMs !== undefined ? 'retired' : 'live';
          const k = `${f.tier}/${state}`;
          rows[k] = (rows[k] ?? 0) + 1;
        }
        return Object.entries(rows).map(([k, value]) => ({
          labels: { tier: k.split('/')[0]!, state: k.split('/')[1]! },
          value,
        }));
      },
    );
  }

  async start(): Promise<void> {
    const seen = (seq: number) => {
      if (this.sinks && seq > this.sinks.manifestSeen) this.sinks.manifestSeen = seq;
    };
    this.follower = new ManifestFollower(this.js, {
      follow: this.leases !== undefined,
      catalog: this.catalog,
      warn: this.opts.warn,
      retry: this.opts.retry,
      onEvent: (_e, seq) => seen(seq),
      onBadEvent: (seq) => seen(seq),
    });
    await this.follower.start();
    const removed = removeUnrecorded(
      this.opts.dataDir,
      this.opts.partitions,
      this.catalog,
      this.opts.warn,
    );
    if (removed.length > 0)
      this.opts.log(
        `removed ${removed.length} unrecorded or partial file(s) left by an earlier run: ${removed.slice(0, 5).join(', ')}`,
      );
    const live = this.catalog.live();
    this.opts.log(
      `catalog: ${live.filter((f) => f.tier === 'warm').length} warm and ${live.filter((f) => f.tier === 'cold').length} cold files, ${this.catalog.retired().length} waiting for removal`,
    );
    // Files it wrote stay in its data dir; any other (a new host) is fetched into cache/.
    const tiers = await TierStore.open(this.nc, {
      dataDir: this.opts.dataDir,
      cacheBytes: this.opts.tierCacheBytes ?? DEFAULT_TIER_CACHE_BYTES,
      replicas: this.opts.replicas ?? 1,
      warn: this.opts.warn,
    });
    const manifest = new ManifestPublisher(
      this.js,
      this.catalog,
      this.opts.warn,
      () => this.closed || this.nc.isClosed(),
    );
    if (this.leases) {
      this.sinks = new PartitionSinks(
        this.nc,
        this.js,
        this.catalog,
        manifest,
        tiers,
        this.opts,
        this.leases,
        () => this.maintainer?.idle() ?? Promise.resolve(),
      );
      // Events replayed before the sinks existed.
      this.sinks.manifestSeen = this.catalog.lastSeq;
      const sinks = this.sinks;
      this.maintainer = new TierMaintainer(this.catalog, manifest, tiers, {
        ...this.opts,
        owns: (p) => sinks.owns(p),
      });
      await sinks.start();
    } else {
      this.sink = new WarmSink(this.nc, this.js, this.catalog, manifest, tiers, this.opts);
      await this.sink.start();
      this.maintainer = new TierMaintainer(this.catalog, manifest, tiers, this.opts);
    }
    this.maintainer.start();
    const leased = this.sinks;
    this.snapshots = new ManifestSnapshots(manifest, {
      partitions: this.opts.partitions,
      intervalMs: this.opts.manifestSnapshotMs ?? 15 * 60_000,
      warn: this.opts.warn,
      owns: leased ? (p) => leased.owns(p) : undefined,
    });
    this.snapshots.start();
    this.registry = new RegistryKeeper(this.nc, {
      dataDir: this.opts.dataDir,
      intervalMs: this.opts.registryIntervalMs ?? 60_000,
      replicas: this.opts.replicas,
      retry: this.opts.retry,
      log: this.opts.log,
      warn: this.opts.warn,
    });
    await this.registry.start();
    this.started = true;
  }

  /** Writes the registry snapshot and puts back lost registry entries now (tests). */
  keepRegistry(): Promise<void> {
    return this.registry?.tick() ?? Promise.resolve();
  }

  /** Writes the manifest snapshots now (tests). */
  snapshotManifest(): Promise<void> {
    return this.snapshots?.tick() ?? Promise.resolve();
  }

  /** Runs one round of tier work now (tests). */
  tick(): Promise<void> {
    return this.maintainer?.tick() ?? Promise.resolve();
  }

  /** Partitions this replica compacts (all of them without leases). */
  ownedPartitions(): number[] {
    const all = Array.from({ length: this.opts.partitions }, (_, p) => p);
    return this.sinks ? all.filter((p) => this.sinks!.owns(p)) : all;
  }

  /** More compactor replicas than partitions, and this one compacts none. */
  get standby(): boolean {
    return this.sinks?.standby ?? false;
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.snapshots?.stop();
    await this.maintainer?.stop();
    await this.registry?.stop();
    await this.sink?.stop();
    await this.sinks?.stop();
    await this.follower?.stop();
  }
}
