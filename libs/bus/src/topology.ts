import type { NatsConnection } from '@nats-io/transport-node';
import {
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  DiscardPolicy,
  JetStreamApiError,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import {
  kvStreamName,
  noPeersForPlacement,
  reconcileReplicas,
  replicasError,
  type JetStreamManager,
} from './replicas';
import {
  CHUNKS_WILDCARD,
  KV_CONFIG,
  KV_LEASES,
  KV_SERIES,
  MANIFEST_WILDCARD,
  SAMPLES_WILDCARD,
  STREAM_CHUNKS,
  STREAM_MANIFEST,
  STREAM_SAMPLES,
} from './subjects';
import { DEFAULT_RETRY_DEADLINE_MS, withRetry, type RetryPolicy } from './retry';

export interface TopologyOptions {
  /** How long the samples stream keeps messages; must outlast the longest-lived unsealed chunk. */
  samplesMaxAgeMs: number;
  chunksMaxAgeMs: number;
  leaseTtlMs: number;
  /** Replicas of every stream and bucket (ZTSDB_REPLICAS: 1, or 3 in a cluster). */
  replicas: number;
  /** Told when an existing stream or bucket has another replica count, and what was done. */
  log?: (msg: string) => void;
}

export const DEFAULT_TOPOLOGY: TopologyOptions = {
  samplesMaxAgeMs: 24 * 3600_000,
  chunksMaxAgeMs: 7 * 24 * 3600_000,
  leaseTtlMs: 10_000,
  replicas: 1,
};

export interface Topology {
  series: KV;
  leases: KV;
  config: KV;
}

const nanos = (ms: number): number => ms * 1_000_000;

/**
 * Creates the streams and KV buckets of DESIGN.md when missing, with
 * `opts.replicas` replicas; leaves existing ones as they are but for their
 * replica count, which is brought to `opts.replicas` (and logged). Every call
 * is retried on a transient failure (a busy server's timeout) under `retry`.
 */
export async function ensureTopology(
  nc: NatsConnection,
  opts: TopologyOptions = DEFAULT_TOPOLOGY,
  retry: RetryPolicy = { deadlineMs: DEFAULT_RETRY_DEADLINE_MS },
): Promise<Topology> {
  const jsm = await withRetry('JetStream manager', () => jetstreamManager(nc), retry);
  const streams: Array<Partial<StreamConfig> & { name: string }> = [
    {
      name: STREAM_SAMPLES,
      subjects: [SAMPLES_WILDCARD],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(opts.samplesMaxAgeMs),
      duplicate_window: nanos(120_000),
      discard: DiscardPolicy.Old,
      num_replicas: opts.replicas,
    },
    {
      name: STREAM_CHUNKS,
      subjects: [CHUNKS_WILDCARD],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(opts.chunksMaxAgeMs),
      duplicate_window: nanos(600_000),
      num_replicas: opts.replicas,
    },
    {
      name: STREAM_MANIFEST,
      subjects: [MANIFEST_WILDCARD],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: nanos(600_000),
      num_replicas: opts.replicas,
    },
  ];
  for (const cfg of streams) await ensureStream(jsm, cfg, opts, retry);
  const kvm = new Kvm(nc);
  const bucket = async (name: string, o: { history: number; ttl?: number }): Promise<KV> => {
    const kv = await withRetry(
      `opening KV ${name}`,
      () => kvm.create(name, { ...o, replicas: opts.replicas }),
      { ...retry, retryAlso: noPeersForPlacement },
    ).catch((e: unknown) => {
      throw replicasError(e, `KV ${name}`, opts.replicas);
    });
    // kvm.create opens an existing bucket as it is: its replica count is checked here.
    await reconcileReplicas(jsm, kvStreamName(name), opts.replicas, opts.log, retry);
    return kv;
  };
  return {
    series: await bucket(KV_SERIES, { history: 1 }),
    leases: await bucket(KV_LEASES, { history: 1, ttl: opts.leaseTtlMs }),
    config: await bucket(KV_CONFIG, { history: 1 }),
  };
}

async function ensureStream(
  jsm: JetStreamManager,
  cfg: Partial<StreamConfig> & { name: string },
  opts: TopologyOptions,
  retry: RetryPolicy,
): Promise<void> {
  try {
    await withRetry(`stream info ${cfg.name}`, () => jsm.streams.info(cfg.name), retry);
  } catch (e) {
    if (!(e instanceof JetStreamApiError) && !/not found/i.test(String((e as Error).message)))
      throw e;
    try {
      await withRetry(`creating stream ${cfg.name}`, () => jsm.streams.add(cfg), {
        ...retry,
        retryAlso: noPeersForPlacement,
      });
      return;
    } catch (addErr) {
      // Another service may have created it between info and add.
      if (!/already in use|exists/i.test(String((addErr as Error).message)))
        throw replicasError(addErr, `stream ${cfg.name}`, opts.replicas);
    }
  }
  await reconcileReplicas(jsm, cfg.name, opts.replicas, opts.log, retry);
}
