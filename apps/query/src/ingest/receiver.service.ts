import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { openSeriesBucket, replicaCount } from '@ztsdb/bus';
import type { Settings } from '@ztsdb/config';
import { publisherMetrics } from '@ztsdb/metrics';
import { NatsClient, SETTINGS } from '@ztsdb/platform';
import { JetStreamAcks, SampleWriter } from '@ztsdb/producer';

/**
 * The producer side of the query service: remote_write and OTLP requests become sample
 * batches on ZTSDB_SAMPLES and entries in KV ztsdb_series through libs/producer, like the
 * collector's. Receivers publish with up to 32 batches awaiting acknowledgement, acknowledged
 * through their own inbox (JetStreamAcks).
 */
@Injectable()
export class ReceiverService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('receiver');
  writer!: SampleWriter;
  private acks: JetStreamAcks | undefined;

  constructor(
    @Inject(SETTINGS) readonly settings: Settings,
    private readonly nats: NatsClient,
  ) {}

  onApplicationBootstrap(): void {
    this.acks = new JetStreamAcks(this.nats.nc);
    this.writer = new SampleWriter(this.acks, this.nats.topology.series, {
      partitions: this.nats.partitions,
      role: 'receiver',
      metrics: publisherMetrics('receiver'),
      maxBacklog: this.settings.ZTSDB_RECEIVER_BACKLOG,
      batchVersion: this.settings.ZTSDB_SAMPLE_BATCH_VERSION,
      inFlight: 32,
      ackDeadlineMs: this.settings.ZTSDB_RECEIVER_ACK_TIMEOUT,
      refreshMs: this.settings.ZTSDB_REGISTRY_REFRESH,
      reopen: () => openSeriesBucket(this.nats.nc, replicaCount(this.settings)),
      warn: (m) => this.log.warn(m),
      log: this.log,
    });
  }

  onApplicationShutdown(): void {
    this.writer?.close();
    this.acks?.close();
  }
}
