// The sample batch format bench:ingest publishes (BENCH_BATCH_VERSION).
import {
  encodeSampleBatch,
  encodeSampleBatchV2,
  encodeSampleBatchV3,
  type SampleBatchHeader,
} from '@ztsdb/wire';

/** Sample batch version published: producers send 3 unless ZTSDB_SAMPLE_BATCH_VERSION says otherwise. */
export const BATCH_VERSION = Number(process.env.BENCH_BATCH_VERSION ?? 3);
if (![1, 2, 3].includes(BATCH_VERSION)) throw new Error('BENCH_BATCH_VERSION is 1, 2 or 3');

/** One host's batch for one partition and tick, in BENCH_BATCH_VERSION. */
export function encodeBatch(
  header: SampleBatchHeader,
  ids: BigUint64Array,
  ts: Float64Array,
  vs: Float64Array,
): Uint8Array {
  const n = ids.length;
  if (BATCH_VERSION === 3) return encodeSampleBatchV3(header, ids, ts, vs, n);
  if (BATCH_VERSION === 2)
    return encodeSampleBatchV2(header, ids, ts, vs, n) ?? encodeSampleBatch(header, ids, ts, vs, n);
  return encodeSampleBatch(header, ids, ts, vs, n);
}
