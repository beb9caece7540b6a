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

/** Creates the streams and KV buckets of DESIGN.md when missing; leaves existing ones as they are. */
export async function ensureTopology(
  nc: NatsConnection,
  opts: TopologyOptions = DEFAULT_TOPOLOGY,
): Promise<Topology> {
  const jsm = await jetstreamManager(nc);
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
  for (const cfg of streams) await ensureStream(jsm, cfg);
  const kvm = new Kvm(nc);
  return {
    series: await kvm.create(KV_SERIES, { history: 1 }),
    leases: await kvm.create(KV_LEASES, { history: 1, ttl: opts.leaseTtlMs }),
    config: await kvm.create(KV_CONFIG, { history: 1 }),
  };
}

async function ensureStream(
  jsm: Awaited<ReturnType<typeof jetstreamManager>>,
  cfg: Partial<StreamConfig> & { name: string },
): Promise<void> {
  try {
    await jsm.streams.info(cfg.name);
  } catch (e) {
    if (!(e instanceof JetStreamApiError) && !/not found/i.test(String((e as Error).message)))
      throw e;
    try {
      await jsm.streams.add(cfg);
    } catch (addErr) {
      // Another service may have created it between info and add.
      if (!/already in use|exists/i.test(String((addErr as Error).message))) throw addErr;
    }
  }
}
