import { crc32c } from '@ztsdb/checksum';
import { WireDecodeError, WIRE_ERROR_CODES } from './errors';
/** "ZTSB" read as a little-endian u32. */
export const SAMPLE_BATCH_MAGIC = 0x4253545a;
export const SAMPLE_BATCH_HEADER_BYTES = 32;
export const SAMPLE_BATCH_TRAILER_BYTES = 4;
/** Upper bound on points per batch; a larger count is refused without allocating. */
export const SAMPLE_BATCH_MAX_POINTS = 1 << 20;

/** Versions a producer can write (ZTSDB_SAMPLE_BATCH_VERSION); every decoder reads them all. */
export type SampleBatchVersion = 1 | 2 | 3;

export interface SampleBatchHeader {
  partition: number;
  producerId: bigint;
  sequence: bigint;
}

/** A decoded batch. Columns are views on (or copies of) the message bytes. */
export interface SampleBatch extends SampleBatchHeader {
  count: number;
  seriesIds: BigUint64Array;
  /** Milliseconds since epoch as exact integers in doubles. */
  timestamps: Float64Array;
  values: Float64Array;
  /**
   * Version 3 only: the series key table (a view on the message) and each point's index into
   * it, `seriesIds[i] = seriesKeys[seriesKeyIndex[i]]`, so a consumer can look each key up
   * once per batch instead of once per point. Keys may repeat (runs mode).
   */
  seriesKeys?: BigUint64Array;
  seriesKeyIndex?: Uint32Array;
}

/** Checks a whole batch's trailing CRC-32C (over everything before it), either version. */
export function checkBatchChecksum(message: Uint8Array, view: DataView): void {
  const expected = view.getUint32(message.length - 4, true);
  const actual = crc32c(message, 0, message.length - 4);
  if (expected !== actual) {
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireChecksum,
      `sample batch checksum mismatch: stored 0x${expected.toString(16)}, computed 0x${actual.toString(16)}`,
      { offset: message.length - 4 },
    );
  }
}
