import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import {
  connectWithRetry,
  ensureTopology,
  resolvePartitions,
  DEFAULT_TOPOLOGY,
  OutageLog,
  RECONNECT_WAIT_MS,
  redactUrl,
  replicaCount,
  type RetryPolicy,
  type Topology,
} from '@ztsdb/bus';
import type { Settings } from '@ztsdb/config';
import { SERVICE_NAME, SETTINGS } from './tokens';

/**
 * The service's connection to NATS, with the streams and buckets in place and
 * the deployment's partition count resolved. `init()` is awaited by the module
 * factory, so every consumer gets a ready connection.
 */
@Injectable()
export class NatsClient implements OnApplicationShutdown {
  private readonly log = new Logger('nats');
  nc!: NatsConnection;
  js!: JetStreamClient;
  topology!: Topology;
  partitions!: number;
  /** False between a disconnect and the reconnect (readiness probes). */
  connected = true;
  /** Start-up calls are retried on a busy server's timeouts (ZTSDB_NATS_RETRY_DEADLINE). */
  readonly retry: RetryPolicy;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(SERVICE_NAME) private readonly serviceName: string,
  ) {
    this.retry = { deadlineMs: settings.ZTSDB_NATS_RETRY_DEADLINE, log: (m) => this.log.warn(m) };
  }

  async init(): Promise<this> {
    this.nc = await connectWithRetry({
      url: this.settings.NATS_URL,
      name: `ztsdb-${this.serviceName}`,
      auth: this.settings,
      // The first connection waits as long as every other start-up call (docs/operations.md).
      initialTimeoutMs: this.settings.ZTSDB_NATS_RETRY_DEADLINE,
      log: (m) => this.log.warn(m),
      info: (m) => this.log.log(m),
    });
    void this.watchStatus();
    this.js = jetstream(this.nc);
    this.topology = await ensureTopology(
      this.nc,
      {
        ...DEFAULT_TOPOLOGY,
        samplesMaxAgeMs: this.settings.ZTSDB_SAMPLES_RETENTION_MS,
        replicas: replicaCount(this.settings),
        log: (m) => this.log.warn(m),
      },
      this.retry,
    );
    this.partitions = await resolvePartitions(
      this.topology.config,
      this.settings.ZTSDB_PARTITIONS,
      (m) => this.log.warn(m),
      this.retry,
    );
    return this;
  }

  private async watchStatus(): Promise<void> {
    const outage = new OutageLog(
      redactUrl(this.settings.NATS_URL),
      (m) => this.log.warn(m),
      (m) => this.log.log(m),
      RECONNECT_WAIT_MS,
    );
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.connected = false;
        outage.disconnected(s.server);
      } else if (s.type === 'reconnecting') outage.attempt();
      else if (s.type === 'reconnect') {
        this.connected = true;
        outage.reconnected(s.server);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}
