import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { openSeriesBucket, replicaCount } from '@ztsdb/bus';
import type { Settings } from '@ztsdb/config';
import { LATENCY_BUCKETS, processMetrics, publisherMetrics } from '@ztsdb/metrics';
import { partitionOf, seriesLabels, type MetricSource } from '@ztsdb/model';
import { NatsClient, SETTINGS } from '@ztsdb/platform';
import {
  BatchBuilder,
  BatchPublisher,
  CadvisorSeries,
  PartitionColumnsBuilder,
  SeriesRegistrar,
  type CadvisorRef,
  type PartitionColumns,
  type PartitionGroups,
} from '@ztsdb/producer';
import { staleMarkerColumns } from './staleness-markers';
import { createMetricSource } from './source-factory';
import { collectorStartupLine } from './startup-line';

const ticks = processMetrics.counter('ztsdb_collector_ticks_total', 'Collection ticks run.');
const tickErrors = processMetrics.counter(
  'ztsdb_collector_tick_errors_total',
  'Ticks whose collection failed.',
);
const tickSeconds = processMetrics.histogram(
  'ztsdb_collector_tick_seconds',
  'Time of one collection tick: read the source, register series, queue the batches.',
  LATENCY_BUCKETS,
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
  private batches!: BatchBuilder;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** The start-up line waits for the first collection, to say how many containers it found. */
  private announced = false;
  /** A tick went through (readiness). */
  private ticked = false;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly nats: NatsClient,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.source = await createMetricSource(this.settings);
    await this.source.start();
    this.builder = new PartitionColumnsBuilder(this.nats.partitions);
    this.batches = new BatchBuilder(this.settings.ZTSDB_SAMPLE_BATCH_VERSION);
    if (this.settings.ZTSDB_CADVISOR_METRICS === 'on')
      this.cadvisor = new CadvisorSeries(this.nats.partitions);
    this.registrar = new SeriesRegistrar(this.nats.topology.series, {
      refreshMs: this.settings.ZTSDB_REGISTRY_REFRESH,
      reopen: () => openSeriesBucket(this.nats.nc, replicaCount(this.settings)),
      warn: (m) => this.log.warn(m),
    });
    this.publisher = new BatchPublisher(this.nats.js, {
      maxBacklog: this.settings.ZTSDB_COLLECTOR_BACKLOG,
      role: 'collector',
      metrics: publisherMetrics('collector'),
      log: this.log,
    });
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

  /** Why the collector is not ready: no source yet, or no tick through yet. */
  readinessProblems(): string[] {
    if (!this.source) return ['starting the metric source'];
    if (!this.ticked) return ['waiting for the first collection tick'];
    return [];
  }

  /** One collection; exposed for tests. */
  async tick(tickMs: number): Promise<void> {
    const done = tickSeconds.startTimer();
    try {
      const { samples, removed } = await this.source.collect(tickMs);
      let stale: PartitionColumns[] = [];
      containersGauge.set(samples.length);
      if (!this.announced) {
        this.announced = true;
        this.log.log(
          collectorStartupLine({
            source: this.source.kind,
            intervalMs: this.settings.ZTSDB_COLLECT_INTERVAL_MS,
            partitions: this.nats.partitions,
            producerId: this.batches.producerId,
            containers: samples.length,
          }),
        );
      }
      for (const s of samples) {
        for (const metric in s.values) {
          const r = this.builder.ref(metric, s.container.id);
          if (this.registrar.isNew(r.id))
            this.registrar.note(r.name, r.id, seriesLabels(metric, s.container), tickMs);
          else if (this.registrar.labelsBehind(r.id, s.container))
            this.registrar.update(r.name, r.id, seriesLabels(metric, s.container), tickMs);
        }
      }
      if (removed.length > 0) {
        const refs = removed.flatMap((c) => this.builder.forget(c.id).map((r) => ({ r, c })));
        const gone: CadvisorRef[] = refs.map(({ r, c }) => ({
          name: r.name,
          id: r.id,
          labels: seriesLabels(r.metric, c),
        }));
        this.registrar.markInactive(gone, tickMs);
        // Gone series end with Prometheus's staleness marker, so PromQL drops them at once.
        stale = staleMarkerColumns(
          refs.map(({ r }) => r),
          tickMs,
        );
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
      if (cadvisor && removed.length > 0) {
        const goneC = removed.flatMap((c) => cadvisor.forget(c.id));
        this.registrar.markInactive(goneC, tickMs);
        const partitions = this.nats.partitions;
        stale.push(
          ...staleMarkerColumns(
            goneC.map((r) => ({ id: r.id, partition: partitionOf(r.id, partitions) })),
            tickMs,
          ),
        );
      }
      await this.registrar.flush();
      for (const cols of [...columns, ...stale]) this.publisher.enqueue(this.batches.build(cols));
      ticks.inc();
      this.ticked = true;
    } catch (e) {
      tickErrors.inc();
      this.log.error(`collection tick failed: ${(e as Error).message}`);
    } finally {
      done();
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
