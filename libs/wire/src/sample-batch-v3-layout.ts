import { SAMPLE_BATCH_TRAILER_BYTES } from './sample-batch-header';

/**
 * Sample batch version 3 (docs/format/sample-batch.md). The series ids and the timestamps are
 * each a table of 8-byte keys plus a mapping from points to keys, in whichever shape is
 * smallest for the batch:
 * - cyclic: point i has key i mod K, no bytes per point. A time-major batch (an import, a
 *   scrape) repeats the same series order every tick, so its series column is this;
 * - runs: K keys and K run lengths, consecutive points share a key. The timestamps of a
 *   time-major batch, or the series of a series-major one (remote write), are this;
 * - an index per point into the table of distinct keys, 1, 2 or 4 bytes wide by K.
 * Values are either raw float64 or, when that is smaller, each XORed with the previous value
 * of the same series (the same key slot) and stored as its non-zero middle bytes after one
 * control byte (`n | z << 4`: n bytes follow, z zero bytes below them).
 */
export const SAMPLE_BATCH_V3 = 3;
export const SAMPLE_BATCH_V3_HEADER_BYTES = 48;

export const KEYS_CYCLIC = 0;
export const KEYS_RUNS = 1;
export const KEYS_U8 = 2;
export const KEYS_U16 = 3;
export const KEYS_U32 = 4;
export const VALUES_RAW = 0;
export const VALUES_XOR = 1;

/** Which value encoding the encoder may use: `auto` takes XOR when it is smaller. */
export type ValueEncoding = 'auto' | 'raw';

export const pad4 = (n: number): number => (n + 3) & ~3;

/** Bytes of a key column's per-point mapping, before padding. */
export function mappingBytes(mode: number, keys: number, count: number): number {
  switch (mode) {
    case KEYS_CYCLIC:
      return 0;
    case KEYS_RUNS:
      return 4 * keys;
    case KEYS_U8:
      return count;
    case KEYS_U16:
      return 2 * count;
    default:
      return 4 * count;
  }
}

export function sampleBatchV3ByteLength(
  seriesMode: number,
  series: number,
  tsMode: number,
  timestamps: number,
  valueBytes: number,
  count: number,
): number {
  return (
    SAMPLE_BATCH_V3_HEADER_BYTES +
    8 * series +
    8 * timestamps +
    pad4(valueBytes) +
    pad4(mappingBytes(seriesMode, series, count)) +
    pad4(mappingBytes(tsMode, timestamps, count)) +
    SAMPLE_BATCH_TRAILER_BYTES
  );
}
