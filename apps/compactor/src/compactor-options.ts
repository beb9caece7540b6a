import type { RetryPolicy } from '@ztsdb/bus';

/** What the compactor's parts need to know (from Settings; tests build it directly). */
export interface CompactorOptions {
  dataDir: string;
  partitions: number;
  coldAfterMs: number;
  coldWindowMs: number;
  retentionMs: number;
  graceMs: number;
  intervalMs: number;
  flushMs: number;
  batchChunks: number;
  /**
   * About the most bytes of chunk messages in one fetched batch (ZTSDB_WARM_BATCH_BYTES);
   * unbounded when absent.
   */
  batchBytes?: number;
  mergeFiles: number;
  /** Bytes of encoded blocks a warm → cold merge holds per cold file before writing them (ZTSDB_COLD_MERGE_BUFFER_BYTES); 4 MiB when absent. */
  mergeBufferBytes?: number;
  /** Value blocks readable by index are kept up to this many times the smallest encoding (ZTSDB_COLD_PACKED_SLACK_PERCENT); blockenc's default when absent. */
  coldPackedSlack?: number;
  /** Brotli quality of the cold value blocks' second pass (ZTSDB_COLD_BROTLI_QUALITY); one pass at 5 when absent. */
  coldBrotliQuality?: number;
  /** Bound of `cache/`, where files it did not write itself are fetched to (ZTSDB_TIER_CACHE_BYTES); 2 GiB when absent. */
  tierCacheBytes?: number;
  /** Replicas of the object store bucket `ztsdb_tiers` and of KV buckets the compactor creates (ZTSDB_REPLICAS); 1 when absent. */
  replicas?: number;
  /** How often the series registry snapshot is written and KV ztsdb_series checked; 60 s when absent. */
  registryIntervalMs?: number;
  /** How often each changed partition's manifest gets a catalog snapshot and is purged; 15 min when absent. */
  manifestSnapshotMs?: number;
  /** How often objects no manifest event names are looked for and deleted (ZTSDB_TIER_SWEEP_INTERVAL); 0 = never; 1 h when absent. */
  objectSweepMs?: number;
  /** Objects younger than this are never swept (ZTSDB_TIER_SWEEP_AGE); 1 h when absent. */
  objectSweepAgeMs?: number;
  /** Interval between repeated warnings of one lasting failure (disk full); 60 s when absent. */
  stallLogMs?: number;
  /** Start-up calls to NATS retried on a transient failure; the default deadline when absent. */
  retry?: RetryPolicy;
  /**
   * The partitions this replica holds the lease of (compactor replicas);
   * absent: every partition (a single compactor, and tests).
   */
  owns?: (partition: number) => boolean;
  /**
   * Called once a merge of a partition ended, done or failed: its decoded columns and
   * encoded blocks are garbage now (the service gives them back at once: releaseMemoryNow).
   */
  afterMerge?: () => void;
  log: (msg: string) => void;
  warn: (msg: string) => void;
}

/** Window start of a cold file from its name (`cold/p0/w<start>-g<gen>.cold`). */
export function coldWindowOf(file: string): number | undefined {
  const m = /\/w(\d+)-g\d+\.cold$/.exec(file);
  return m ? Number(m[1]) : undefined;
}
