import { crc32c } from '@ztsdb/checksum';
import { readTimestampColumn, writeTimestampColumn } from './timestamp-column';
import { WireDecodeError, WIRE_ERROR_CODES } from './errors';
import {
  checkBatchChecksum,
  SAMPLE_BATCH_HEADER_BYTES,
  SAMPLE_BATCH_MAGIC,
  SAMPLE_BATCH_MAX_POINTS,
  SAMPLE_BATCH_TRAILER_BYTES,
  type SampleBatch,
  type SampleBatchHeader,
} from './sample-batch-header';

/**
 * Sample batch version 2 (docs/format/sample-batch.md): the distinct series ids and the
 * distinct timestamps of the batch once each, and per point a u16 index into each plus its
 * value: 12 bytes a point instead of 24 when points share series and ticks (a scrape, an
 * import). At most 65,535 distinct series and 65,535 distinct timestamps; a batch with more
 * is written as version 1.
 */
export const SAMPLE_BATCH_V2 = 2;
export const SAMPLE_BATCH_V2_MAX_KEYS = 0xffff;

export function sampleBatchV2ByteLength(series: number, timestamps: number, count: number): number {
  return (
    SAMPLE_BATCH_HEADER_BYTES +
    8 * series +
    8 * timestamps +
    12 * count +
    SAMPLE_BATCH_TRAILER_BYTES
  );
}

/**
 * Working arrays of the encoder, kept between calls (encoding is synchronous, so one set
 * serves every caller): a producer encodes a batch every few milliseconds, and fresh arrays
 * per batch were a good part of its garbage. The id table's slots are valid only when their
 * generation is the current call's, so nothing is cleared between batches.
 */
const scratch = {
  generation: 0,
  slotGeneration: new Int32Array(0),
  slotKey: new Int32Array(0),
  keyLo: new Uint32Array(0),
  keyHi: new Uint32Array(0),
  tsKeys: new Float64Array(0),
  seriesIndex: new Uint16Array(0),
  tsIndex: new Uint16Array(0),
  tsMap: new Map<number, number>(),
};

function ensureScratch(count: number, size: number): void {
  if (scratch.slotKey.length < size) {
    scratch.slotGeneration = new Int32Array(size);
    scratch.slotKey = new Int32Array(size);
    scratch.generation = 0;
  }
  if (scratch.seriesIndex.length < count) {
    const n = Math.max(count, 2 * scratch.seriesIndex.length);
    const keys = Math.min(n, SAMPLE_BATCH_V2_MAX_KEYS);
    scratch.keyLo = new Uint32Array(keys);
    scratch.keyHi = new Uint32Array(keys);
    scratch.tsKeys = new Float64Array(keys);
    scratch.seriesIndex = new Uint16Array(n);
    scratch.tsIndex = new Uint16Array(n);
  }
  if (++scratch.generation === 0x7fffffff) {
    scratch.slotGeneration.fill(0);
    scratch.generation = 1;
  }
  scratch.tsMap.clear();
}

/**
 * Encodes `[0, count)` of the columns as version 2, or returns undefined when they hold more
 * distinct series or timestamps than version 2 can index. Ids are read as u32 halves (no
 * BigInt per point); timestamps must be integer milliseconds.
 */
export function encodeSampleBatchV2(
  header: SampleBatchHeader,
  seriesIds: BigUint64Array,
  timestamps: Float64Array,
  values: Float64Array,
  count: number,
): Uint8Array | undefined {
  if (count > SAMPLE_BATCH_MAX_POINTS)
    throw new RangeError(`batch of ${count} points exceeds ${SAMPLE_BATCH_MAX_POINTS}`);
  if (timestamps.length < count || values.length < count || seriesIds.length < count)
    throw new RangeError('batch columns are shorter than count');
  const words = new Uint32Array(seriesIds.buffer, seriesIds.byteOffset, count * 2);
  // Distinct ids by open addressing on their halves; distinct timestamps by a map (ticks
  // come in runs, so the last one is tried first).
  let size = 64;
  while (size < 2 * Math.min(count, SAMPLE_BATCH_V2_MAX_KEYS + 1)) size *= 2;
  ensureScratch(count, size);
  const { slotGeneration, slotKey, keyLo, keyHi, tsKeys, seriesIndex, tsIndex, tsMap } = scratch;
  const generation = scratch.generation;
  const mask = size - 1;
  let s = 0;
  let tn = 0;
  let lastTs = NaN;
  let lastTsIndex = 0;
  for (let i = 0; i < count; i++) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    const h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    let slot = (h ^ (h >>> 15)) & mask;
    for (;;) {
      if (slotGeneration[slot] !== generation) {
        if (s === SAMPLE_BATCH_V2_MAX_KEYS) return undefined;
        slotGeneration[slot] = generation;
        slotKey[slot] = s;
        seriesIndex[i] = s;
        keyLo[s] = lo;
        keyHi[s] = hi;
        s++;
        break;
      }
      const k = slotKey[slot]!;
      if (keyLo[k] === lo && keyHi[k] === hi) {
        seriesIndex[i] = k;
        break;
      }
      slot = (slot + 1) & mask;
    }
    const t = timestamps[i]!;
    if (t !== lastTs) {
      let j = tsMap.get(t);
      if (j === undefined) {
        if (tn === SAMPLE_BATCH_V2_MAX_KEYS) return undefined;
        j = tn++;
        tsKeys[j] = t;
        tsMap.set(t, j);
      }
      lastTs = t;
      lastTsIndex = j;
    }
    tsIndex[i] = lastTsIndex;
  }
  const bytes = new Uint8Array(sampleBatchV2ByteLength(s, tn, count));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, SAMPLE_BATCH_MAGIC, true);
  view.setUint8(4, SAMPLE_BATCH_V2);
  view.setUint8(5, 0);
  view.setUint16(6, header.partition, true);
  view.setUint32(8, count, true);
  view.setUint16(12, s, true);
  view.setUint16(14, tn, true);
  view.setBigUint64(16, header.producerId, true);
  view.setBigUint64(24, header.sequence, true);
  let off = SAMPLE_BATCH_HEADER_BYTES;
  const idWords = new Uint32Array(bytes.buffer, off, s * 2);
  for (let k = 0; k < s; k++) {
    idWords[2 * k] = keyLo[k]!;
    idWords[2 * k + 1] = keyHi[k]!;
  }
  off += 8 * s;
  writeTimestampColumn(new Uint32Array(bytes.buffer, off, tn * 2), tsKeys, tn, true);
  off += 8 * tn;
  new Float64Array(bytes.buffer, off, count).set(values.subarray(0, count));
  off += 8 * count;
  new Uint16Array(bytes.buffer, off, count).set(seriesIndex.subarray(0, count));
  off += 2 * count;
  new Uint16Array(bytes.buffer, off, count).set(tsIndex.subarray(0, count));
  view.setUint32(bytes.length - 4, crc32c(bytes, 0, bytes.length - 4), true);
  return bytes;
}

/** Decodes a version 2 batch whose magic and version were read; the columns come expanded. */
export function decodeSampleBatchV2(message: Uint8Array, view: DataView): SampleBatch {
  const count = view.getUint32(8, true);
  const s = view.getUint16(12, true);
  const tn = view.getUint16(14, true);
  if (
    count > SAMPLE_BATCH_MAX_POINTS ||
    message.length !== sampleBatchV2ByteLength(s, tn, count) ||
    (count > 0 && (s === 0 || tn === 0))
  ) {
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireLength,
      `sample batch v2 says ${count} points of ${s} series at ${tn} timestamps, which needs ${count > SAMPLE_BATCH_MAX_POINTS ? 'more than the maximum' : sampleBatchV2ByteLength(s, tn, count) + ' bytes'}, but has ${message.length}`,
      { offset: 8, count, length: message.length },
    );
  }
  checkBatchChecksum(message, view);
  if (view.getUint8(5) !== 0) {
    throw new WireDecodeError(WIRE_ERROR_CODES.wireReserved, 'sample batch has reserved bits set', {
      offset: 5,
    });
  }
  // Typed-array views need 8-byte alignment; a message at an odd offset is copied once.
  const aligned = message.byteOffset % 8 === 0 ? message : new Uint8Array(message);
  const buf = aligned.buffer;
  let off = aligned.byteOffset + SAMPLE_BATCH_HEADER_BYTES;
  const keyWords = new Uint32Array(buf, off, s * 2);
  off += 8 * s;
  const tsKeys = readTimestampColumn(new Int32Array(buf, off, tn * 2), tn);
  off += 8 * tn;
  const values = new Float64Array(buf, off, count);
  off += 8 * count;
  const seriesIndex = new Uint16Array(buf, off, count);
  off += 2 * count;
  const tsIndex = new Uint16Array(buf, off, count);
  const seriesIds = new BigUint64Array(count);
  const idWords = new Uint32Array(seriesIds.buffer);
  const timestamps = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const k = seriesIndex[i]!;
    const j = tsIndex[i]!;
    if (k >= s || j >= tn) {
      throw new WireDecodeError(
        WIRE_ERROR_CODES.wireIndex,
        `sample batch v2 point ${i} refers to series ${k} of ${s} and timestamp ${j} of ${tn}`,
        { offset: i },
      );
    }
    idWords[2 * i] = keyWords[2 * k]!;
    idWords[2 * i + 1] = keyWords[2 * k + 1]!;
    timestamps[i] = tsKeys[j]!;
  }
  return {
    partition: view.getUint16(6, true),
    producerId: view.getBigUint64(16, true),
    sequence: view.getBigUint64(24, true),
    count,
    seriesIds,
    timestamps,
    values,
  };
}
