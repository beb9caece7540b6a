import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Kvm } from '@nats-io/kv';
import { KV_SERIES } from '@ztsdb/bus';
import type { Settings } from '@ztsdb/config';
import { processMetrics } from '@ztsdb/metrics';
import { seriesLabels, type MetricSource } from '@ztsdb/model';
import { NatsClient, SETTINGS } from '@ztsdb/platform';
import {
  BatchBuilder,
  BatchPublisher,
  CadvisorSeries,
  PartitionColumnsBuilder,
  SeriesRegistrar,
  type CadvisorRef,
  type PartitionGroups,
} from '@ztsdb/producer';
import { createMetricSource } from './source-factory';

const ticks = processMetrics.counter('ztsdb_collector_ticks_total', 'Collection ticks run.');
const tickErrors = processMetrics.counter(
  'ztsdb_collector_tick_errors_total',
  'Ticks whose collection failed.',
);
const containersGauge = processMetrics.gauge(
  'ztsdb_collector_containers',
  'Containers seen in the last tick.',
);

/**
 * Every ZTSDB_COLLECT_INTERVAL_MS: read the source, register new series,
 * and publish one sample batch per partition.
 */
@Injectable()
export class CollectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('collector');
  private source!: MetricSource;
  private builder!: PartitionColumnsBuilder;
  private cadvisor: CadvisorSeries | undefined;
  private registrar!: SeriesRegistrar;
  publisher!: BatchPublisher;
  private readonly batches = new BatchBuilder();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly nats: NatsClient,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.source = await createMetricSource(this.settings);
    await this.source.start();
    this.builder = new PartitionColumnsBuilder(this.nats.partitions);
    if (this.settings.ZTSDB_CADVISOR_METRICS === 'on')
      this.cadvisor = new CadvisorSeries(this.nats.partitions);
    this.registrar = new SeriesRegistrar(this.nats.topology.series, {
      refreshMs: this.settings.ZTSDB_REGISTRY_REFRESH,
      reopen: () => new Kvm(this.nats.nc).create(KV_SERIES, { history: 1 }),
      warn: (m) => this.log.warn(m),
    });
    this.publisher = new BatchPublisher(this.nats.js, {
      maxBacklog: this.settings.ZTSDB_COLLECTOR_BACKLOG,
      role: 'collector',
      log: this.log,
    });
    this.log.log(
      `collecting from the ${this.source.kind} source every ${this.settings.ZTSDB_COLLECT_INTERVAL_MS} ms into ${this.nats.partitions} partitions (producer ${this.batches.producerId.toString(16)})`,
    );
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const interval = this.settings.ZTSDB_COLLECT_INTERVAL_MS;
    const now = Date.now();
    // Ticks land on multiples of the interval, so series from many hosts line up.
    const next = Math.floor(now / interval) * interval + interval;
    this.timer = setTimeout(() => {
      this.running = this.tick(next).finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, next - now);
  }

  /** One collection; exposed for tests. */
  async tick(tickMs: number): Promise<void> {
    try {
      const { samples, removed } = await this.source.collect(tickMs);
      containersGauge.set(samples.length);
      for (const s of samples) {
        for (const metric in s.values) {
          const r = this.builder.ref(metric, s.container.id);
          if (this.registrar.isNew(r.id))
            this.registrar.note(r.name, r.id, seriesLabels(metric, s.container), tickMs);
        }
      }
      if (removed.length > 0) {
        const gone: CadvisorRef[] = removed.flatMap((c) =>
          this.builder
            .forget(c.id)
            .map((r) => ({ name: r.name, id: r.id, labels: seriesLabels(r.metric, c) })),
        );
        this.registrar.markInactive(gone, tickMs);
      }
      const cadvisor = this.cadvisor;
      const more = cadvisor
        ? (groups: PartitionGroups) =>
            cadvisor.add(samples, groups, (r) =>
              this.registrar.note(r.name, r.id, r.labels, tickMs),
            )
        : undefined;
      // cAdvisor's new series are noted while the columns are built; registered before publishing.
      const columns = this.builder.build(samples, more);
      if (cadvisor && removed.length > 0)
        this.registrar.markInactive(
          removed.flatMap((c) => cadvisor.forget(c.id)),
          tickMs,
        );
      await this.registrar.flush();
      for (const cols of columns) this.publisher.enqueue(this.batches.build(cols));
      ticks.inc();
    } catch (e) {
      tickErrors.inc();
      this.log.error(`collection tick failed: ${(e as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.publisher?.flush(2000);
    this.publisher?.close();
    await this.source?.close();
  }
}
