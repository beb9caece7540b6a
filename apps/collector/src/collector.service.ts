import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Kvm } from '@nats-io/kv';
import { KV_SERIES, samplesSubject } from '@ztsdb/bus';
import type { Settings } from '@ztsdb/config';
import { LATENCY_BUCKETS, processMetrics } from '@ztsdb/metrics';
import type { MetricSource } from '@ztsdb/model';
import { NatsClient, SETTINGS } from '@ztsdb/platform';
import { encodeSampleBatch, sampleBatchMsgId } from '@ztsdb/wire';
import { BatchPublisher } from './batch-publisher';
import { PartitionColumnsBuilder, type PartitionColumns } from './partition-columns';
import { SeriesRegistrar } from './series-registrar';
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
  private registrar!: SeriesRegistrar;
  publisher!: BatchPublisher;
  private readonly producerId = randomBytes(8).readBigUInt64LE();
  private sequence = 0n;
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
    this.registrar = new SeriesRegistrar(this.nats.topology.series, {
      refreshMs: this.settings.ZTSDB_REGISTRY_REFRESH,
      reopen: () => new Kvm(this.nats.nc).create(KV_SERIES, { history: 1 }),
      warn: (m) => this.log.warn(m),
    });
    this.publisher = new BatchPublisher(this.nats.js, this.settings.ZTSDB_COLLECTOR_BACKLOG);
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
            producerId: this.producerId,
            containers: samples.length,
          }),
        );
      }
      for (const s of samples) {
        for (const metric in s.values) {
          const r = this.builder.ref(metric, s.container.id);
          this.registrar.note(r.name, r.id, metric, s.container, tickMs);
        }
      }
      if (removed.length > 0) {
        const gone = removed.flatMap((c) =>
          this.builder.forget(c.id).map((r) => ({ ...r, container: c })),
        );
        this.registrar.markInactive(gone, tickMs);
        // Gone series end with Prometheus's staleness marker, so PromQL drops them at once.
        stale = staleMarkerColumns(gone, tickMs);
      }
      await this.registrar.flush();
      for (const cols of [...this.builder.build(samples), ...stale]) {
        const header = {
          partition: cols.partition,
          producerId: this.producerId,
          sequence: this.sequence++,
        };
        this.publisher.enqueue({
          subject: samplesSubject(cols.partition),
          msgId: sampleBatchMsgId(header),
          data: encodeSampleBatch(header, cols.ids, cols.timestamps, cols.values, cols.count),
          points: cols.count,
        });
      }
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
