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
}

export const DEFAULT_TOPOLOGY: TopologyOptions = {
  samplesMaxAgeMs: 24 * 3600_000,
  chunksMaxAgeMs: 7 * 24 * 3600_000,
  leaseTtlMs: 10_000,
};

export interface Topology {
  series: KV;
  leases: KV;
  config: KV;
}

const nanos = (ms: number): number => ms * 1_000_000;

/**
 * Creates the streams and KV buckets of DESIGN.md when missing; leaves
 * existing ones as they are. Every call is retried on a transient failure
 * (a busy server's timeout) under `retry`.
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
    },
    {
      name: STREAM_CHUNKS,
      subjects: [CHUNKS_WILDCARD],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(opts.chunksMaxAgeMs),
      duplicate_window: nanos(600_000),
    },
    {
      name: STREAM_MANIFEST,
      subjects: [MANIFEST_WILDCARD],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: nanos(600_000),
    },
  ];
  for (const cfg of streams) await ensureStream(jsm, cfg, retry);
  const kvm = new Kvm(nc);
  const bucket = (name: string, o: { history: number; ttl?: number }): Promise<KV> =>
    withRetry(`opening KV ${name}`, () => kvm.create(name, o), retry);
  return {
    series: await bucket(KV_SERIES, { history: 1 }),
    leases: await bucket(KV_LEASES, { history: 1, ttl: opts.leaseTtlMs }),
    config: await bucket(KV_CONFIG, { history: 1 }),
  };
}

async function ensureStream(
  jsm: Awaited<ReturnType<typeof jetstreamManager>>,
  cfg: Partial<StreamConfig> & { name: string },
  retry: RetryPolicy,
): Promise<void> {
  try {
    await withRetry(`stream info ${cfg.name}`, () => jsm.streams.info(cfg.name), retry);
  } catch (e) {
    if (!(e instanceof JetStreamApiError) && !/not found/i.test(String((e as Error).message)))
      throw e;
    try {
      await withRetry(`creating stream ${cfg.name}`, () => jsm.streams.add(cfg), retry);
    } catch (addErr) {
      // Another service may have created it between info and add.
      if (!/already in use|exists/i.test(String((addErr as Error).message))) throw addErr;
    }
  }
}
