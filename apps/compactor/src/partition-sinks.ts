import { jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAM_CHUNKS, STREAM_MANIFEST } from '@ztsdb/bus';
import { LeaseManager } from '@ztsdb/lease';
import type { FileCatalog, ManifestPublisher } from '@ztsdb/manifest';
import type { TierStore } from '@ztsdb/tierstore';
import type { CompactorOptions } from './compactor-options';
import { COMPACTOR_CONSUMER, WarmSink } from './warm-sink';

/** Where compactor replicas keep their leases: beside the ingestors' in KV ztsdb_leases. */
export const COMPACTOR_LEASE_PREFIX = 'compactor.';

export interface CompactorLeases {
  kv: KV;
  memberId: string;
  host: string;
  ttlMs: number;
}

/**
 * Compactor replicas share the partitions the way ingestors do (libs/lease):
 * each runs a WarmSink with its own durable consumer for every partition it
 * holds the lease of, and merges, expires and removes only those partitions'
 * files. Before a taken-over partition is served, the catalog must have
 * applied every manifest event stored so far (the previous holder's files and
 * chunk sequences), so that the new holder resumes where the old one stopped
 * and never writes a file name twice.
 */
export class PartitionSinks {
  private readonly sinks = new Map<number, WarmSink>();
  private readonly leases: LeaseManager;
  /** Highest manifest sequence the catalog's follower has seen (applied or refused). */
  manifestSeen = 0;
  private stopped = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly catalog: FileCatalog,
    private readonly manifest: ManifestPublisher,
    private readonly tiers: TierStore,
    private readonly opts: CompactorOptions,
    lease: CompactorLeases,
    /** Waits for the tier work in progress (called after a partition is given up). */
    private readonly tierWorkIdle: () => Promise<void>,
  ) {
    this.leases = new LeaseManager(
      lease.kv,
      {
        memberId: lease.memberId,
        host: lease.host,
        partitions: opts.partitions,
        ttlMs: lease.ttlMs,
        keyPrefix: COMPACTOR_LEASE_PREFIX,
        log: { log: opts.log, warn: opts.warn, error: opts.warn },
      },
      { acquired: (p) => this.acquired(p), released: (p) => this.released(p) },
    );
  }

  /** Partitions whose sink runs (those this replica compacts). */
  owns(p: number): boolean {
    return this.sinks.has(p);
  }

  get standby(): boolean {
    return this.leases.standby;
  }

  async start(): Promise<void> {
    // A single compactor of an earlier version consumed every partition through one
    // consumer; each partition has its own now, and the old one would only hold messages.
    const jsm = await jetstreamManager(this.nc);
    await jsm.consumers.delete(STREAM_CHUNKS, COMPACTOR_CONSUMER).catch(() => undefined);
    this.leases.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.leases.stop();
  }

  private async acquired(p: number): Promise<void> {
    await this.catchUp();
    if (this.stopped) throw new Error('stopping');
    const sink = new WarmSink(
      this.nc,
      this.js,
      this.catalog,
      this.manifest,
      this.tiers,
      this.opts,
      p,
    );
    await sink.start();
    this.sinks.set(p, sink);
    this.opts.log(`partition ${p}: lease acquired; compacting it`);
  }

  private async released(p: number): Promise<void> {
    const sink = this.sinks.get(p);
    this.sinks.delete(p);
    await sink?.stop();
    // A merge of the partition may be under way: its events must be in the manifest
    // before the next holder reads it.
    await this.tierWorkIdle();
    this.opts.log(`partition ${p}: handed over`);
  }

  /** Waits until the catalog has seen every manifest event stored now. */
  private async catchUp(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    const last = (await jsm.streams.info(STREAM_MANIFEST)).state.last_seq;
    while (this.manifestSeen < last && !this.stopped) await new Promise((r) => setTimeout(r, 10));
  }
}
