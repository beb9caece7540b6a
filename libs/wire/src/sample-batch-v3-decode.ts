import { readTimestampColumn } from './timestamp-column';
import { alignedMessage, FRESH_COLUMNS, type ColumnAlloc } from './column-pool';
import { WireDecodeError, WIRE_ERROR_CODES } from './errors';
import {
  checkBatchChecksum,
  SAMPLE_BATCH_MAX_POINTS,
  SAMPLE_BATCH_TRAILER_BYTES,
  type SampleBatch,
} from './sample-batch-header';
import {
  KEYS_CYCLIC,
  KEYS_RUNS,
  KEYS_U16,
  KEYS_U32,
  KEYS_U8,
  mappingBytes,
  pad4,
  SAMPLE_BATCH_V3_HEADER_BYTES,
  sampleBatchV3ByteLength,
  VALUES_RAW,
  VALUES_XOR,
} from './sample-batch-v3-layout';

// The decoder of sample batch version 3; the layout is in sample-batch-v3-layout.ts.

function refuse(code: string, message: string, offset: number): never {
  throw new WireDecodeError(code, `sample batch v3: ${message}`, { offset });
}

/**
 * Fills `out[0, total)` with `keys[0, k)` over and over: the table once, then the filled
 * prefix doubled (memcpy each time), so a table of one key takes log2(total) copies.
 */
function repeat<T extends Uint32Array | Float64Array>(
  out: T,
  keys: T,
  k: number,
  total: number,
): void {
  if (total === 0) return;
  // One key (a producer's tick: every point at one timestamp): a fill, not a subarray and
  // log2(total) copies, each a call into the runtime (2 µs a batch of 250 points).
  if (k === 1) {
    out.fill(keys[0]!, 0, total);
    return;
  }
  out.set(keys.subarray(0, Math.min(k, total)));
  for (let filled = k; filled < total; filled *= 2)
    out.copyWithin(filled, 0, Math.min(filled, total - filled));
}

/** A run mapping's `k` lengths, each checked to fit and all to cover the `count` points. */
function checkedRuns(
  buf: ArrayBufferLike,
  mapOff: number,
  k: number,
  count: number,
  what: string,
): Uint32Array {
  const lengths = new Uint32Array(buf, mapOff, k);
  let at = 0;
  for (let r = 0; r < k; r++) {
    const len = lengths[r]!;
    if (len === 0 || len > count - at)
      refuse(
        WIRE_ERROR_CODES.wireIndex,
        `${what} run ${r} of ${len} points does not fit in ${count} points (${at} before it)`,
        mapOff + 4 * r,
      );
    at += len;
  }
  if (at !== count)
    refuse(WIRE_ERROR_CODES.wireIndex, `${what} runs cover ${at} of ${count} points`, mapOff);
  return lengths;
}

/** An index mapping's per-point key numbers, 1, 2 or 4 bytes wide by its mode. */
function indexColumn(
  buf: ArrayBufferLike,
  mode: number,
  mapOff: number,
  count: number,
): Uint8Array | Uint16Array | Uint32Array {
  return mode === KEYS_U8
    ? new Uint8Array(buf, mapOff, count)
    : mode === KEYS_U16
      ? new Uint16Array(buf, mapOff, count)
      : new Uint32Array(buf, mapOff, count);
}

/**
 * Each point's key number in the series table (`slots`: for the values, and for consumers
 * that resolve each key once), checking the mapping against the table.
 */
function keyNumbers(
  buf: ArrayBufferLike,
  k: number,
  mode: number,
  mapOff: number,
  count: number,
  slots: Uint32Array,
  what: string,
): void {
  switch (mode) {
    case KEYS_CYCLIC: {
      let c = 0;
      for (let i = 0; i < count; i++) {
        slots[i] = c;
        if (++c === k) c = 0;
      }
      return;
    }
    case KEYS_RUNS: {
      const lengths = checkedRuns(buf, mapOff, k, count, what);
      let at = 0;
      for (let r = 0; r < k; r++) {
        const end = at + lengths[r]!;
        slots.fill(r, at, end);
        at = end;
      }
      return;
    }
    default: {
      const index = indexColumn(buf, mode, mapOff, count);
      for (let i = 0; i < count; i++) {
        const j = index[i]!;
        if (j >= k)
          refuse(WIRE_ERROR_CODES.wireIndex, `point ${i} refers to ${what} ${j} of ${k}`, mapOff);
      }
      slots.set(index);
    }
  }
}

/**
 * One 8-byte key per point (as u32 halves in `out`) from the table and the key numbers that
 * `keyNumbers` checked: a cyclic table doubled by memcpy, else one by one.
 */
function expandKeys(
  keys: Uint32Array,
  k: number,
  mode: number,
  count: number,
  slots: Uint32Array,
  out: Uint32Array,
): void {
  if (mode === KEYS_CYCLIC) {
    repeat(out, keys, 2 * k, 2 * count);
    return;
  }
  for (let i = 0; i < count; i++) {
    const j = slots[i]!;
    out[2 * i] = keys[2 * j]!;
    out[2 * i + 1] = keys[2 * j + 1]!;
  }
}

/** The timestamp column, one per point: the table read once as numbers, then spread. */
function expandTimes(
  buf: ArrayBufferLike,
  keysOff: number,
  k: number,
  mode: number,
  mapOff: number,
  count: number,
  out: Float64Array,
): Float64Array {
  const keys = readTimestampColumn(new Int32Array(buf, keysOff, 2 * k), k);
  switch (mode) {
    case KEYS_CYCLIC:
      repeat(out, keys, k, count);
      return out;
    case KEYS_RUNS: {
      const lengths = checkedRuns(buf, mapOff, k, count, 'timestamp');
      let at = 0;
      for (let r = 0; r < k; r++) {
        const len = lengths[r]!;
        out.fill(keys[r]!, at, at + len);
        at += len;
      }
      return out;
    }
    default: {
      const index = indexColumn(buf, mode, mapOff, count);
      for (let i = 0; i < count; i++) {
        const j = index[i]!;
        if (j >= k)
          refuse(WIRE_ERROR_CODES.wireIndex, `point ${i} refers to timestamp ${j} of ${k}`, mapOff);
        out[i] = keys[j]!;
      }
      return out;
    }
  }
}

/** Masks keeping the low n bytes of a value's two words (n = 0..8). */
const LOW_MASK = Int32Array.of(0, 0xff, 0xffff, 0xffffff, -1, -1, -1, -1, -1);
const HIGH_MASK = Int32Array.of(0, 0, 0, 0, 0, 0xff, 0xffff, 0xffffff, -1);

/** Reverses `xorValues` into `out` (u32 halves of the float64 values). */
function unxorValues(
  bytes: Uint8Array,
  off: number,
  end: number,
  slots: Uint32Array,
  slotCount: number,
  count: number,
  out: Uint32Array,
): void {
  const lastLo = new Uint32Array(slotCount);
  const lastHi = new Uint32Array(slotCount);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = off;
  for (let i = 0; i < count; i++) {
    if (p >= end) refuse(WIRE_ERROR_CODES.wireBody, `values end at point ${i} of ${count}`, p);
    const c = bytes[p++]!;
    const s = slots[i]!;
    if (c === 0) {
      out[2 * i] = lastLo[s]!;
      out[2 * i + 1] = lastHi[s]!;
      continue;
    }
    const n = c & 15;
    const z = c >>> 4;
    if (n === 0 || n + z > 8 || p + n > end)
      refuse(
        WIRE_ERROR_CODES.wireBody,
        `value ${i} has control byte 0x${c.toString(16)} (${end - p} value bytes left)`,
        p - 1,
      );
    // n little-endian bytes, read as two words when 8 bytes are there (else byte by byte),
    // then moved up by z bytes.
    let a: number;
    let b: number;
    if (p + 8 <= bytes.length) {
      a = view.getUint32(p, true) & LOW_MASK[n]!;
      b = view.getUint32(p + 4, true) & HIGH_MASK[n]!;
    } else {
      a = 0;
      b = 0;
      for (let j = 0; j < n; j++) {
        if (j < 4) a |= bytes[p + j]! << (8 * j);
        else b |= bytes[p + j]! << (8 * (j - 4));
      }
    }
    p += n;
    let xlo: number;
    let xhi: number;
    if (z === 0) {
      xlo = a;
      xhi = b;
    } else if (z < 4) {
      xlo = a << (8 * z);
      xhi = (b << (8 * z)) | (a >>> (32 - 8 * z));
    } else {
      xlo = 0;
      xhi = a << (8 * z - 32);
    }
    const lo = (lastLo[s]! ^ xlo) >>> 0;
    const hi = (lastHi[s]! ^ xhi) >>> 0;
    lastLo[s] = lo;
    lastHi[s] = hi;
    out[2 * i] = lo;
    out[2 * i + 1] = hi;
  }
  if (p !== end)
    refuse(WIRE_ERROR_CODES.wireBody, `${end - p} value bytes left after the last point`, p);
}

function checkZero(bytes: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++)
    if (bytes[i] !== 0) refuse(WIRE_ERROR_CODES.wireReserved, `padding byte ${i} is not zero`, i);
}

/** Decodes a version 3 batch whose magic and version were read; the columns come expanded. */
export function decodeSampleBatchV3(
  message: Uint8Array,
  view: DataView,
  columns: ColumnAlloc = FRESH_COLUMNS,
): SampleBatch {
  if (message.length < SAMPLE_BATCH_V3_HEADER_BYTES + SAMPLE_BATCH_TRAILER_BYTES)
    refuse(
      WIRE_ERROR_CODES.wireLength,
      `${message.length} bytes is shorter than its header and checksum`,
      0,
    );
  const count = view.getUint32(8, true);
  const sMode = view.getUint8(12);
  const tMode = view.getUint8(13);
  const vMode = view.getUint8(14);
  if (sMode > KEYS_U32 || tMode > KEYS_U32 || vMode > VALUES_XOR)
    refuse(
      WIRE_ERROR_CODES.wireVersion,
      `modes ${sMode}/${tMode}/${vMode} (series/timestamps/values) are not all known`,
      12,
    );
  const s = view.getUint32(32, true);
  const tn = view.getUint32(36, true);
  const vBytes = view.getUint32(40, true);
  // Every size is checked against the count and the byte length before any allocation.
  const sizesFit =
    count <= SAMPLE_BATCH_MAX_POINTS &&
    (count === 0
      ? s === 0 && tn === 0 && vBytes === 0
      : s >= 1 && s <= count && tn >= 1 && tn <= count) &&
    (vMode === VALUES_RAW ? vBytes === 8 * count : vBytes >= count && vBytes <= 9 * count);
  if (!sizesFit || message.length !== sampleBatchV3ByteLength(sMode, s, tMode, tn, vBytes, count)) {
    refuse(
      WIRE_ERROR_CODES.wireLength,
      `says ${count} points of ${s} series keys, ${tn} timestamp keys and ${vBytes} value bytes, which ${sizesFit ? `needs ${sampleBatchV3ByteLength(sMode, s, tMode, tn, vBytes, count)} bytes, but has ${message.length}` : 'do not fit together'}`,
      8,
    );
  }
  checkBatchChecksum(message, view);
  if (view.getUint8(5) !== 0 || view.getUint8(15) !== 0 || view.getUint32(44, true) !== 0)
    refuse(WIRE_ERROR_CODES.wireReserved, 'reserved bits are set', 5);
  // Typed-array views need alignment; a message at an odd offset is copied once.
  const aligned = alignedMessage(message, columns);
  const buf = aligned.buffer;
  const base = aligned.byteOffset;
  const seriesKeysOff = base + SAMPLE_BATCH_V3_HEADER_BYTES;
  const tsKeysOff = seriesKeysOff + 8 * s;
  const valuesOff = tsKeysOff + 8 * tn;
  const seriesMapOff = valuesOff + pad4(vBytes);
  const sMapBytes = mappingBytes(sMode, s, count);
  const tsMapOff = seriesMapOff + pad4(sMapBytes);
  const tMapBytes = mappingBytes(tMode, tn, count);
  const local = aligned.subarray(0);
  const rel = (abs: number): number => abs - base;
  checkZero(local, rel(valuesOff) + vBytes, rel(seriesMapOff));
  checkZero(local, rel(seriesMapOff) + sMapBytes, rel(tsMapOff));
  checkZero(local, rel(tsMapOff) + tMapBytes, rel(tsMapOff) + pad4(tMapBytes));

  // Every element of the columns taken from `columns` is written below (checked mappings
  // cover every point), so reused ones need no clearing.
  const slots = columns.u32(count);
  keyNumbers(buf, s, sMode, seriesMapOff, count, slots, 'series');
  const timestamps = expandTimes(buf, tsKeysOff, tn, tMode, tsMapOff, count, columns.f64(count));
  let values: Float64Array;
  if (vMode === VALUES_RAW) values = new Float64Array(buf, valuesOff, count);
  else {
    values = columns.f64(count);
    unxorValues(
      local,
      rel(valuesOff),
      rel(valuesOff) + vBytes,
      slots,
      s,
      count,
      new Uint32Array(values.buffer, values.byteOffset, 2 * count),
    );
  }
  const seriesKeys = new BigUint64Array(buf, seriesKeysOff, s);
  // The per-point series ids are expanded from the table on first read (an own getter, so a
  // spread copy has them too): the ingestor resolves the table's keys to head slots instead
  // and checks partitions per key, so it never reads them, and they were a fifth of its
  // decoding and of the bytes it allocated per batch.
  let seriesIds: BigUint64Array | undefined;
  return {
    partition: view.getUint16(6, true),
    producerId: view.getBigUint64(16, true),
    sequence: view.getBigUint64(24, true),
    count,
    get seriesIds(): BigUint64Array {
      if (seriesIds === undefined) {
        seriesIds = new BigUint64Array(count);
        expandKeys(
          new Uint32Array(buf, seriesKeysOff, 2 * s),
          s,
          sMode,
          count,
          slots,
          new Uint32Array(seriesIds.buffer),
        );
      }
      return seriesIds;
    },
    timestamps,
    values,
    seriesKeys,
    seriesKeyIndex: slots,
  };
}
