import type { Logger } from '@nestjs/common';
import type { DeadLetterReporter, RepeatedWarnings, RetryPolicy } from '@ztsdb/bus';
import type { HotState, ImageScratch, LocalLog } from '@ztsdb/tsdb';
import type { JsMsg } from '@nats-io/jetstream';
import type { SampleBatch } from '@ztsdb/wire';
import type { BatchLimits } from './batch-check';
import type { DiskGuard } from './disk-guard';
import type { SnapshotTurns } from './snapshot-turns';

export interface PartitionOwnerOptions {
  partition: number;
  dataDir: string;
  maxChunkAgeMs: number;
  snapshotIntervalMs: number;
  checkpointIntervalMs: number;
  limits: BatchLimits;
  /** Points acknowledged but not yet in the head before fetching stops. */
  bufferCapacity?: number;
  /** The disk under the data dir (shared by the partitions): no write, and no acknowledgement, while it is full. */
  disk: DiskGuard;
  /** ZTSDB_INGESTOR_FETCH_BYTES: bytes of batches the consumer asks for ahead of what it handled (raised to fit a batch). */
  fetchBytes: number;
  /** ZTSDB_WAL_MAX_BYTES: batches written since the last snapshot before an early one trims the WAL. */
  walMaxBytes: number;
  /** Bad batches go here (DLQ, counts, rate-limited log lines). */
  deadLetters: DeadLetterReporter;
  /** ZTSDB_WARN_INTERVAL: repeated warnings of this partition are logged at most this often. */
  warnIntervalMs: number;
  /** ZTSDB_NATS_RETRY_DEADLINE: how long the takeover retries a request NATS did not answer. */
  retry: RetryPolicy;
  /** The ingestor's partitions snapshot one at a time (shared by the partitions). */
  snapshotTurns: SnapshotTurns;
  /** Image memory the snapshots share, one at a time as their turns are (none: fresh each time). */
  snapshotScratch?: ImageScratch;
  /** ZTSDB_HOT_EXTENT_MAX_AGE_MS: the hot extent is announced every quarter of it (absent or 0: not announced). */
  hotExtentMaxAgeMs?: number;
}

/**
 * What the parts of one owned partition (takeover, consumer, apply queue,
 * checkpoints, chunk publisher) share: set up by the takeover, read by all.
 */
export interface OwnedPartition {
  readonly partition: number;
  readonly opts: PartitionOwnerOptions;
  readonly log: Logger;
  readonly warnings: RepeatedWarnings;
  /** The head (set by the takeover; undefined before). */
  state: HotState;
  /** The partition's WAL (set by the takeover). */
  wal: LocalLog;
  /** Creation time of the samples stream the state's sequences belong to. */
  streamId: string;
  /** Set once stop() began: every loop ends. */
  stopping: boolean;
}

/** One message received from the samples stream, waiting for its WAL write to be durable. */
export interface Received {
  m: JsMsg;
  seq: number;
  /** The decoded batch; null for a sequence sent to the DLQ. */
  batch: SampleBatch | null;
  /** A redelivery of a sequence already received: acknowledged with its group, never applied. */
  dup?: boolean;
  /**
   * Received again after its WAL write failed: handled already (a batch is applied before its
   * write is durable), so it is only written to the WAL again, as what it was then: a batch
   * (`wasBatch`) or a skip entry.
   */
  inHead?: boolean;
  wasBatch?: boolean;
}
