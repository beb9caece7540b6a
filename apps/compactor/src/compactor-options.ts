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
  mergeFiles: number;
  /** How often the series registry snapshot is written and KV ztsdb_series checked; 60 s when absent. */
  registryIntervalMs?: number;
  /** Replicas of KV buckets the compactor creates again (ZTSDB_REPLICAS). */
  replicas?: number;
  /** Interval between repeated warnings of one lasting failure (disk full); 60 s when absent. */
  stallLogMs?: number;
  /** Start-up calls to NATS retried on a transient failure; the default deadline when absent. */
  retry?: RetryPolicy;
  log: (msg: string) => void;
  warn: (msg: string) => void;
}

/** Window start of a cold file from its name (`cold/p0/w<start>-g<gen>.cold`). */
export function coldWindowOf(file: string): number | undefined {
  const m = /\/w(\d+)-g\d+\.cold$/.exec(file);
  return m ? Number(m[1]) : undefined;
}
