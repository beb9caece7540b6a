import { LATENCY_BUCKETS, processMetrics } from '@ztsdb/metrics';

/** The ingestor's counters on `/metrics` (gauges are registered by the service). */
export const metrics = {
  batches: processMetrics.counter(
    'ztsdb_ingestor_batches_total',
    'Sample batches applied, by partition.',
    ['partition'],
  ),
  points: processMetrics.counter('ztsdb_ingestor_points_total', 'Points applied, by partition.', [
    'partition',
  ]),
  deadLetters: processMetrics.counter(
    'ztsdb_ingestor_dead_letters_total',
    'Sample batches sent to the DLQ, by reason.',
    ['reason'],
  ),
  duplicates: processMetrics.counter(
    'ztsdb_ingestor_duplicate_batches_total',
    'Redelivered batches ignored (already applied), by partition.',
    ['partition'],
  ),
  chunksPublished: processMetrics.counter(
    'ztsdb_ingestor_chunks_published_total',
    'Sealed chunks published on ztsdb.chunks.p.<n>, by partition.',
    ['partition'],
  ),
  chunksDropped: processMetrics.counter(
    'ztsdb_ingestor_chunks_dropped_total',
    'Sealed chunks dropped from memory once a warm file held them, by partition.',
    ['partition'],
  ),
  takeovers: processMetrics.counter(
    'ztsdb_ingestor_takeovers_total',
    'Partitions taken over, by source of the rebuilt state (wal, stream).',
    ['source'],
  ),
  consumerResets: processMetrics.counter(
    'ztsdb_ingestor_consumer_resets_total',
    'Consumers re-created after a delivery gap or a reconnect, by partition.',
    ['partition'],
  ),
  walSnapshotWaits: processMetrics.counter(
    'ztsdb_ingestor_wal_snapshot_waits_total',
    'Times a consumer waited for a snapshot that fell behind its batches (the WAL at twice the bytes that make one due), by partition.',
    ['partition'],
  ),
  snapshotHoldSeconds: processMetrics.histogram(
    'ztsdb_ingestor_snapshot_hold_seconds',
    "Time a snapshot held its partition's applies while it laid out the head (batches and hot queries of the partition wait meanwhile).",
    LATENCY_BUCKETS,
  ),
  applySeconds: processMetrics.histogram(
    'ztsdb_ingestor_apply_seconds',
    'Time to apply one sample batch to the hot state (ingest latency inside the ingestor).',
    LATENCY_BUCKETS,
  ),
};

/** A partition's counters at 0 from the moment it is owned, so rates start from a sample. */
export function zeroPartitionCounters(partition: number): void {
  const labels = { partition: String(partition) };
  for (const c of [
    metrics.batches,
    metrics.points,
    metrics.duplicates,
    metrics.chunksPublished,
    metrics.chunksDropped,
    metrics.consumerResets,
    metrics.walSnapshotWaits,
  ])
    c.inc(labels, 0);
  for (const source of ['wal', 'stream']) metrics.takeovers.inc({ source }, 0);
}
