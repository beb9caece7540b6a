import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { processMetrics } from '@ztsdb/metrics';
import { FileCatalog, ManifestFollower, ManifestPublisher } from '@ztsdb/manifest';
import type { CompactorOptions } from './compactor-options';
import { removeUnrecorded } from './data-dir-cleanup';
import { RegistryKeeper } from './registry-keeper';
import { TierMaintainer } from './tier-maintainer';
import { WarmSink } from './warm-sink';

/**
 * The compactor without Nest: replays the manifest into its catalog, removes
 * what a crash left unrecorded, then consumes sealed chunks into warm files
 * and runs the periodic tier work.
 */
export class Compactor {
  readonly catalog: FileCatalog;
  private sink: WarmSink | undefined;
  private maintainer: TierMaintainer | undefined;
  private registry: RegistryKeeper | undefined;
  private closed = false;
  /** The catalog is replayed and sealed chunks are consumed (readiness). */
  started = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly opts: CompactorOptions,
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
    await new ManifestFollower(this.js, {
      follow: false,
      catalog: this.catalog,
      warn: this.opts.warn,
      retry: this.opts.retry,
    }).start();
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
    const manifest = new ManifestPublisher(
      this.js,
      this.catalog,
      this.opts.warn,
      () => this.closed || this.nc.isClosed(),
    );
    this.sink = new WarmSink(this.nc, this.js, this.catalog, manifest, this.opts);
    await this.sink.start();
    this.maintainer = new TierMaintainer(this.catalog, manifest, this.opts);
    this.maintainer.start();
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

  /** Runs one round of tier work now (tests). */
  tick(): Promise<void> {
    return this.maintainer?.tick() ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.maintainer?.stop();
    await this.registry?.stop();
    await this.sink?.stop();
  }
}
