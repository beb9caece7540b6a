import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { processMetrics } from '@ztsdb/metrics';
import { NatsClient } from '@ztsdb/platform';
import type { SampleBatch } from '@ztsdb/wire';
import { HotResponder } from './hot-responder';
import { MemorySeriesStore } from './memory-series-store';
import { PartitionConsumer } from './partition-consumer';

/**
 * First version of the ingestor: consumes every partition, keeps points in
 * memory per series, and answers hot-data requests for its partitions.
 */
@Injectable()
export class IngestorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('ingestor');
  readonly store = new MemorySeriesStore();
  private consumers: PartitionConsumer[] = [];
  private responders: HotResponder[] = [];

  constructor(private readonly nats: NatsClient) {
    processMetrics.gaugeFn('ztsdb_ingestor_series', 'Series held in memory.', () => [{ value: this.store.seriesCount }]);
    processMetrics.gaugeFn('ztsdb_ingestor_points', 'Points held in memory.', () => [{ value: this.store.pointCount }]);
  }

  async onApplicationBootstrap(): Promise<void> {
    const apply = (b: SampleBatch) => {
      for (let i = 0; i < b.count; i++) this.store.insert(b.seriesIds[i]!, b.timestamps[i]!, b.values[i]!);
    };
    for (let p = 0; p < this.nats.partitions; p++) {
      const responder = new HotResponder(this.nats.nc, p, (id, s, e) => this.store.query(id, s, e));
      responder.start();
      this.responders.push(responder);
      const consumer = new PartitionConsumer(this.nats.nc, p, apply);
      await consumer.start();
      this.consumers.push(consumer);
    }
    this.log.log(`consuming ${this.nats.partitions} partitions`);
  }

  async onApplicationShutdown(): Promise<void> {
    for (const r of this.responders) r.stop();
    await Promise.all(this.consumers.map((c) => c.stop()));
  }
}
