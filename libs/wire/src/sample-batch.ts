import { crc32c } from '@ztsdb/checksum';
import { readTimestampColumn, writeTimestampColumn } from './timestamp-column';
import { WireDecodeError, WIRE_ERROR_CODES } from './errors';
import { alignedMessage, FRESH_COLUMNS, type ColumnAlloc } from './column-pool';

import {
  checkBatchChecksum,
  SAMPLE_BATCH_HEADER_BYTES,
  SAMPLE_BATCH_MAGIC,
  SAMPLE_BATCH_MAX_POINTS,
  SAMPLE_BATCH_TRAILER_BYTES,
  type SampleBatch,
  type SampleBatchHeader,
  type SampleBatchVersion,
} from './sample-batch-header';
import { decodeSampleBatchV2, SAMPLE_BATCH_V2 } from './sample-batch-v2';
import { decodeSampleBatchV3, SAMPLE_BATCH_V3 } from './sample-batch-v3';

export {
  SAMPLE_BATCH_HEADER_BYTES,
  SAMPLE_BATCH_MAGIC,
  SAMPLE_BATCH_MAX_POINTS,
  SAMPLE_BATCH_TRAILER_BYTES,
  type SampleBatch,
  type SampleBatchHeader,
  type SampleBatchVersion,
};
export const SAMPLE_BATCH_VERSION = 1;
/** Bytes per point across the three columns (u64 id, i64 timestamp, f64 value). */
export const SAMPLE_BATCH_POINT_BYTES = 24;

export function sampleBatchByteLength(count: number): number {
  return SAMPLE_BATCH_HEADER_BYTES + count * SAMPLE_BATCH_POINT_BYTES + SAMPLE_BATCH_TRAILER_BYTES;
}

/**
 * Encodes one batch. Columns are read from `[0, count)` of the given arrays;
 * timestamps must be integer milliseconds.
 */
export function encodeSampleBatch(
  header: SampleBatchHeader,
  seriesIds: BigUint64Array | readonly bigint[],
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  count = seriesIds.length,
): Uint8Array {
  if (count > SAMPLE_BATCH_MAX_POINTS)
    throw new RangeError(`batch of ${count} points exceeds ${SAMPLE_BATCH_MAX_POINTS}`);
  if (timestamps.length < count || values.length < count || seriesIds.length < count) {
    throw new RangeError('batch columns are shorter than count');
  }
  const bytes = new Uint8Array(sampleBatchByteLength(count));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, SAMPLE_BATCH_MAGIC, true);
  view.setUint8(4, SAMPLE_BATCH_VERSION);
  view.setUint8(5, 0);
  view.setUint16(6, header.partition, true);
  view.setUint32(8, count, true);
  view.setUint32(12, 0, true);
  view.setBigUint64(16, header.producerId, true);
  view.setBigUint64(24, header.sequence, true);

  const idsOff = SAMPLE_BATCH_HEADER_BYTES;
  const tsOff = idsOff + count * 8;
  const valOff = tsOff + count * 8;
  const ids = new BigUint64Array(bytes.buffer, idsOff, count);
  if (seriesIds instanceof BigUint64Array) ids.set(seriesIds.subarray(0, count));
  else for (let i = 0; i < count; i++) ids[i] = seriesIds[i]!;
  writeTimestampColumn(new Uint32Array(bytes.buffer, tsOff, count * 2), timestamps, count, true);
  const vals = new Float64Array(bytes.buffer, valOff, count);
  if (values instanceof Float64Array) vals.set(values.subarray(0, count));
  else for (let i = 0; i < count; i++) vals[i] = values[i]!;
  view.setUint32(bytes.length - 4, crc32c(bytes, 0, bytes.length - 4), true);
  return bytes;
}

/**
 * Decodes and verifies a batch of any version (1, 2, 3); throws WireDecodeError naming what was
 * wrong. The per-point columns it fills come from `columns` (versions 1 and 3).
 */
export function decodeSampleBatch(
  message: Uint8Array,
  columns: ColumnAlloc = FRESH_COLUMNS,
): SampleBatch {
  if (message.length < SAMPLE_BATCH_HEADER_BYTES + SAMPLE_BATCH_TRAILER_BYTES) {
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireShort,
      `sample batch of ${message.length} bytes is shorter than its header and checksum`,
      { length: message.length },
    );
  }
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== SAMPLE_BATCH_MAGIC) {
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireMagic,
      `not a sample batch: magic 0x${magic.toString(16)}`,
      { offset: 0 },
    );
  }
  const version = view.getUint8(4);
  if (version === SAMPLE_BATCH_V2) return decodeSampleBatchV2(message, view);
  if (version === SAMPLE_BATCH_V3) return decodeSampleBatchV3(message, view, columns);
  if (version !== SAMPLE_BATCH_VERSION) {
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireVersion,
      `sample batch version ${version} is not supported (want ${SAMPLE_BATCH_VERSION}, ${SAMPLE_BATCH_V2} or ${SAMPLE_BATCH_V3})`,
      { offset: 4 },
    );
  }
  const count = view.getUint32(8, true);
  // Check the count against the byte length before any allocation that depends on it.
  if (count > SAMPLE_BATCH_MAX_POINTS || message.length !== sampleBatchByteLength(count)) {
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireLength,
      `sample batch says ${count} points, which needs ${count > SAMPLE_BATCH_MAX_POINTS ? 'more than the maximum' : sampleBatchByteLength(count) + ' bytes'}, but has ${message.length}`,
      { offset: 8, count, length: message.length },
    );
  }
  checkBatchChecksum(message, view);
  if (view.getUint8(5) !== 0 || view.getUint32(12, true) !== 0) {
    throw new WireDecodeError(WIRE_ERROR_CODES.wireReserved, 'sample batch has reserved bits set', {
      offset: 5,
    });
  }
  // Typed-array views need 8-byte alignment; a message at an odd offset is copied once.
  const aligned = alignedMessage(message, columns);
  const base = aligned.byteOffset;
  const buf = aligned.buffer;
  const idsOff = base + SAMPLE_BATCH_HEADER_BYTES;
  const tsOff = idsOff + count * 8;
  const valOff = tsOff + count * 8;
  const timestamps = readTimestampColumn(
    new Int32Array(buf, tsOff, count * 2),
    count,
    columns.f64(count),
  );
  return {
    partition: view.getUint16(6, true),
    producerId: view.getBigUint64(16, true),
    sequence: view.getBigUint64(24, true),
    count,
    seriesIds: new BigUint64Array(buf, idsOff, count),
    timestamps,
    values: new Float64Array(buf, valOff, count),
  };
}

/** `Nats-Msg-Id` of a batch: producer id, sequence and partition, so a retried publish is stored once. */
export function sampleBatchMsgId(h: SampleBatchHeader): string {
  return `${h.producerId.toString(16).padStart(16, '0')}-${h.sequence}-p${h.partition}`;
}
