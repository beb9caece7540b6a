import { jetstreamManager, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { STREAM_CHUNKS, STREAM_MANIFEST, STREAM_SAMPLES } from '@ztsdb/bus';
import { partitionOf } from '@ztsdb/model';
import type { CatalogFile } from '@ztsdb/manifest';

/**
 * The state of the cluster as the bus shows it, for `GET /status/cluster` (docs/operations.md)
 * and the web UI's Cluster page: ingestor replicas and partition owners (KV ztsdb_leases), each
 * partition's lag (its ingestor consumer's pending samples), its series, its warm and cold files
 * (the manifest catalog), the streams' totals (ingest rate = their growth between two calls),
 * the compactor's backlog, and dead letters seen on `ztsdb.dlq.>` since this service started.
 */

/** The ingestor's durable consumer of a partition (apps/ingestor partition-checkpoint.ts). */
const ingestorConsumer = (p: number): string => `ztsdb-ingestor-p${p}`;
/** The compactor replicas' durable consumer of a partition's sealed chunks (apps/compactor warm-sink.ts). */
const compactorConsumer = (p: number): string => `ztsdb-compactor-p${p}`;
/** Compactor replicas' keys in KV ztsdb_leases (apps/compactor partition-sinks.ts). */
const COMPACTOR_KEYS = 'compactor.';
/** A service whose consumer or stream moved within this long is taken as up. */
const ACTIVE_MS = 30_000;

export interface TierSummary {
  files: number;
  bytes: number;
  points: number;
  /** Oldest and newest sample time in the tier, ms; null without files. */
  minT: number | null;
  maxT: number | null;
}

export interface PartitionStatus {
  partition: number;
  owner: string | null;
  ownerHost: string | null;
  leaseExpiresAt: number | null;
  /** Sample batches in the stream the owner has not yet fetched (null: no consumer yet). */
  lagBatches: number | null;
  /** Batches fetched but not yet acknowledged (not yet durable in the owner's WAL). */
  ackPending: number | null;
  /** Series of the partition in the registry, and those not marked gone. */
  series: number;
  activeSeries: number;
  warm: TierSummary;
  cold: TierSummary;
}

export interface ClusterStatus {
  timeMs: number;
  partitions: PartitionStatus[];
  services: Array<{ service: string; id: string; host: string; up: boolean; detail: string }>;
  streams: Array<{
    stream: string;
    messages: number;
    bytes: number;
    lastMs: number | null;
  }>;
  compactorBacklog: number | null;
  deadLetters: Record<string, number>;
  deadLettersSinceMs: number;
}

interface LeaseValue {
  owner: string;
  host: string;
  expiresAt: number;
}

export interface ClusterSources {
  nc: NatsConnection;
  leases: KV;
  partitions: number;
  files: (partition: number) => CatalogFile[];
  series: () => Iterable<{ seriesId: bigint; active: boolean }>;
  hostName: string;
}

function tier(files: CatalogFile[], which: 'warm' | 'cold'): TierSummary {
  const t: TierSummary = { files: 0, bytes: 0, points: 0, minT: null, maxT: null };
  for (const f of files) {
    if (f.tier !== which) continue;
    t.files++;
    t.bytes += f.bytes;
    t.points += f.points;
    t.minT = t.minT === null ? f.minT : Math.min(t.minT, f.minT);
    t.maxT = t.maxT === null ? f.maxT : Math.max(t.maxT, f.maxT);
  }
  return t;
}

function parseLease(bytes: Uint8Array): LeaseValue | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Partial<LeaseValue>;
    return typeof v.owner === 'string' && typeof v.expiresAt === 'number'
      ? { owner: v.owner, host: String(v.host ?? ''), expiresAt: v.expiresAt }
      : undefined;
  } catch {
    return undefined;
  }
}

export class ClusterStatusReader {
  private jsm: JetStreamManager | undefined;
  private readonly deadLetters = new Map<string, number>();
  private readonly since = Date.now();
  private sub: Subscription | undefined;

  constructor(private readonly src: ClusterSources) {}

  /** Starts counting dead letters (`ztsdb.dlq.<kind>`). */
  start(): void {
    this.sub = this.src.nc.subscribe('ztsdb.dlq.>', {
      callback: (_err, msg) => {
        const kind = msg.subject.slice('ztsdb.dlq.'.length);
        this.deadLetters.set(kind, (this.deadLetters.get(kind) ?? 0) + 1);
      },
    });
  }

  stop(): void {
    this.sub?.unsubscribe();
  }

  async read(nowMs = Date.now()): Promise<ClusterStatus> {
    this.jsm ??= await jetstreamManager(this.src.nc);
    const jsm = this.jsm;
    const n = this.src.partitions;
    const leases = new Map<string, LeaseValue>();
    for await (const key of await this.src.leases.keys()) {
      const e = await this.src.leases.get(key);
      const v = e && e.operation === 'PUT' ? parseLease(e.value) : undefined;
      if (v) leases.set(key, v);
    }
    const consumer = async (stream: string, name: string): Promise<ConsumerInfo | undefined> =>
      jsm.consumers.info(stream, name).catch(() => undefined);
    const [ingestors, compactors, streams] = await Promise.all([
      Promise.all(
        Array.from({ length: n }, (_, p) => consumer(STREAM_SAMPLES, ingestorConsumer(p))),
      ),
      Promise.all(
        Array.from({ length: n }, (_, p) => consumer(STREAM_CHUNKS, compactorConsumer(p))),
      ),
      Promise.all(
        [STREAM_SAMPLES, STREAM_CHUNKS, STREAM_MANIFEST].map((s) =>
          jsm.streams.info(s).then(
            (i) => ({
              stream: s,
              messages: i.state.messages,
              bytes: i.state.bytes,
              lastMs: i.state.messages > 0 ? Date.parse(i.state.last_ts) : null,
            }),
            () => ({ stream: s, messages: 0, bytes: 0, lastMs: null }),
          ),
        ),
      ),
    ]);

    const series = new Array<number>(n).fill(0);
    const active = new Array<number>(n).fill(0);
    for (const s of this.src.series()) {
      const p = partitionOf(s.seriesId, n);
      series[p]!++;
      if (s.active) active[p]!++;
    }

    const partitions: PartitionStatus[] = [];
    for (let p = 0; p < n; p++) {
      const lease = leases.get(`p.${p}`);
      const live = lease && lease.expiresAt > nowMs ? lease : undefined;
      const c = ingestors[p];
      const files = this.src.files(p);
      partitions.push({
        partition: p,
        owner: live?.owner ?? null,
        ownerHost: live?.host ?? null,
        leaseExpiresAt: live?.expiresAt ?? null,
        lagBatches: c ? c.num_pending : null,
        ackPending: c ? c.num_ack_pending : null,
        series: series[p]!,
        activeSeries: active[p]!,
        warm: tier(files, 'warm'),
        cold: tier(files, 'cold'),
      });
    }

    const services: ClusterStatus['services'] = [];
    for (const [key, v] of leases) {
      if (!key.startsWith('member.')) continue;
      const owned = partitions.filter((x) => x.owner === v.owner).map((x) => x.partition);
      services.push({
        service: 'ingestor',
        id: v.owner,
        host: v.host,
        up: v.expiresAt > nowMs,
        detail: owned.length ? `partitions ${owned.join(', ')}` : 'no partition',
      });
    }
    const samples = streams[0]!;
    services.push({
      service: 'collector',
      id: 'samples producers',
      host: '',
      up: samples.lastMs !== null && nowMs - samples.lastMs < ACTIVE_MS,
      detail: samples.lastMs
        ? `last batch ${Math.round((nowMs - samples.lastMs) / 1000)} s ago`
        : 'no batch yet',
    });
    // Compactor replicas: their memberships and the partitions they hold, and each
    // partition consumer's backlog.
    const compacting = new Map<string, number[]>();
    for (let p = 0; p < n; p++) {
      const l = leases.get(`${COMPACTOR_KEYS}p.${p}`);
      if (l && l.expiresAt > nowMs)
        compacting.set(l.owner, [...(compacting.get(l.owner) ?? []), p]);
    }
    for (const [key, v] of leases) {
      if (!key.startsWith(`${COMPACTOR_KEYS}member.`)) continue;
      const owned = compacting.get(v.owner) ?? [];
      const pending = owned.reduce((a, p) => a + (compactors[p]?.num_pending ?? 0), 0);
      services.push({
        service: 'compactor',
        id: v.owner,
        host: v.host,
        up: v.expiresAt > nowMs,
        detail: owned.length
          ? `partitions ${owned.join(', ')}; ${pending} chunks to compact`
          : 'no partition (standby)',
      });
    }
    const present = compactors.filter((c): c is ConsumerInfo => c !== undefined);
    services.push({
      service: 'query',
      id: 'this service',
      host: this.src.hostName,
      up: true,
      detail: 'answering',
    });

    return {
      timeMs: nowMs,
      partitions,
      services,
      streams,
      compactorBacklog: present.length ? present.reduce((a, c) => a + c.num_pending, 0) : null,
      deadLetters: Object.fromEntries(this.deadLetters),
      deadLettersSinceMs: this.since,
    };
  }
}
