import { crc32c } from '@ztsdb/checksum';
import { readTimestampColumn, writeTimestampColumn } from './timestamp-column';
import { WireDecodeError, WIRE_ERROR_CODES } from './errors';
import {
  checkBatchChecksum,
  SAMPLE_BATCH_MAGIC,
  SAMPLE_BATCH_MAX_POINTS,
  SAMPLE_BATCH_TRAILER_BYTES,
  type SampleBatch,
  type SampleBatchHeader,
} from './sample-batch-header';

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

const pad4 = (n: number): number => (n + 3) & ~3;

/** Bytes of a key column's per-point mapping, before padding. */
function mappingBytes(mode: number, keys: number, count: number): number {
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

/** One key column analysed: distinct keys in order of first use, each point's index, runs. */
interface KeyColumn {
  /** Distinct keys as u32 halves (low first), `distinct` of them. */
  lo: Uint32Array;
  hi: Uint32Array;
  distinct: number;
  index: Uint32Array;
  runs: number;
  cyclic: boolean;
}

/**
 * Working arrays of the encoder, kept between calls (encoding is synchronous): a producer
 * encodes a batch every few milliseconds. Hash slots are live only when their generation is
 * the current call's, so nothing is cleared between batches.
 */
class Scratch {
  generation = 0;
  slotGeneration = new Int32Array(0);
  slotKey = new Int32Array(0);
  capacity = 0;
  series = Scratch.column(0);
  times = Scratch.column(0);
  tsWords = new Uint32Array(0);
  valueBytes = new Uint8Array(0);
  valueView = new DataView(this.valueBytes.buffer);
  lastLo = new Uint32Array(0);
  lastHi = new Uint32Array(0);
  slot = new Uint32Array(0);

  static column(n: number): KeyColumn {
    return {
      lo: new Uint32Array(n),
      hi: new Uint32Array(n),
      distinct: 0,
      index: new Uint32Array(n),
      runs: 0,
      cyclic: false,
    };
  }

  ensure(count: number, tableSize: number): void {
    if (this.slotKey.length < tableSize) {
      this.slotGeneration = new Int32Array(tableSize);
      this.slotKey = new Int32Array(tableSize);
      this.generation = 0;
    }
    if (this.capacity < count) {
      const n = Math.max(count, 2 * this.capacity);
      this.capacity = n;
      this.series = Scratch.column(n);
      this.times = Scratch.column(n);
      this.tsWords = new Uint32Array(2 * n);
      this.valueBytes = new Uint8Array(9 * n + 8);
      this.valueView = new DataView(this.valueBytes.buffer);
      this.lastLo = new Uint32Array(n);
      this.lastHi = new Uint32Array(n);
      this.slot = new Uint32Array(n);
    }
    this.nextGeneration();
  }

  nextGeneration(): number {
    if (++this.generation === 0x7fffffff) {
      this.slotGeneration.fill(0);
      this.generation = 1;
    }
    return this.generation;
  }
}

const scratch = new Scratch();

/** Distinct u64 keys (given as u32 halves) by open addressing; runs and the cyclic shape. */
function analyseWords(words: Uint32Array, count: number, col: KeyColumn, mask: number): void {
  const { slotGeneration, slotKey } = scratch;
  const generation = scratch.nextGeneration();
  const { lo: keyLo, hi: keyHi, index } = col;
  let k = 0;
  let runs = 0;
  let prevLo = 0;
  let prevHi = 0;
  let prevIndex = 0;
  for (let i = 0; i < count; i++) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    if (i > 0 && lo === prevLo && hi === prevHi) {
      index[i] = prevIndex;
      continue;
    }
    runs++;
    prevLo = lo;
    prevHi = hi;
    const h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    let slot = (h ^ (h >>> 15)) & mask;
    for (;;) {
      if (slotGeneration[slot] !== generation) {
        slotGeneration[slot] = generation;
        slotKey[slot] = k;
        keyLo[k] = lo;
        keyHi[k] = hi;
        prevIndex = k++;
        break;
      }
      const j = slotKey[slot]!;
      if (keyLo[j] === lo && keyHi[j] === hi) {
        prevIndex = j;
        break;
      }
      slot = (slot + 1) & mask;
    }
    index[i] = prevIndex;
  }
  col.distinct = k;
  col.runs = runs;
  col.cyclic = isCyclic(index, count, k);
}

function isCyclic(index: Uint32Array, count: number, k: number): boolean {
  let c = 0;
  for (let i = 0; i < count; i++) {
    if (index[i] !== c) return false;
    if (++c === k) c = 0;
  }
  return true;
}

/** The smallest mapping of a column: [mode, keys in its table]. */
function chooseMode(col: KeyColumn, count: number): [number, number] {
  if (count === 0) return [KEYS_CYCLIC, 0];
  const k = col.distinct;
  if (col.cyclic) return [KEYS_CYCLIC, k];
  const wide = k <= 0x100 ? KEYS_U8 : k <= 0x10000 ? KEYS_U16 : KEYS_U32;
  const indexed = 8 * k + pad4(mappingBytes(wide, k, count));
  return 12 * col.runs <= indexed ? [KEYS_RUNS, col.runs] : [wide, k];
}

/** Writes a column's key table (distinct keys, or one key per run) at word `at` of `out`. */
function writeKeys(
  out: Uint32Array,
  at: number,
  col: KeyColumn,
  mode: number,
  words: Uint32Array,
  count: number,
): void {
  if (mode !== KEYS_RUNS) {
    for (let k = 0; k < col.distinct; k++) {
      out[at + 2 * k] = col.lo[k]!;
      out[at + 2 * k + 1] = col.hi[k]!;
    }
    return;
  }
  let r = 0;
  for (let i = 0; i < count; i++) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    if (i === 0 || lo !== words[2 * i - 2] || hi !== words[2 * i - 1]) {
      out[at + 2 * r] = lo;
      out[at + 2 * r + 1] = hi;
      r++;
    }
  }
}

/** Writes a column's per-point mapping at byte offset `off` of `bytes`. */
function writeMapping(
  bytes: Uint8Array,
  off: number,
  col: KeyColumn,
  mode: number,
  words: Uint32Array,
  count: number,
): void {
  const { index } = col;
  switch (mode) {
    case KEYS_CYCLIC:
      return;
    case KEYS_RUNS: {
      const lengths = new Uint32Array(bytes.buffer, off, col.runs);
      let r = -1;
      for (let i = 0; i < count; i++) {
        if (i === 0 || words[2 * i] !== words[2 * i - 2] || words[2 * i + 1] !== words[2 * i - 1])
          r++;
        lengths[r]!++;
      }
      return;
    }
    case KEYS_U8:
      bytes.set(index.subarray(0, count), off);
      return;
    case KEYS_U16:
      new Uint16Array(bytes.buffer, off, count).set(index.subarray(0, count));
      return;
    default:
      new Uint32Array(bytes.buffer, off, count).set(index.subarray(0, count));
  }
}

/** Each point's key slot for the value XOR: its index, or its run number (runs mode). */
function valueSlots(col: KeyColumn, mode: number, words: Uint32Array, count: number): Uint32Array {
  if (mode !== KEYS_RUNS) return col.index;
  const slot = scratch.slot;
  let r = -1;
  for (let i = 0; i < count; i++) {
    if (i === 0 || words[2 * i] !== words[2 * i - 2] || words[2 * i + 1] !== words[2 * i - 1]) r++;
    slot[i] = r;
  }
  return slot;
}

/**
 * XOR-encodes the values into the scratch and returns the byte count, or -1 as soon as it is
 * not smaller than raw float64 (8 bytes a point).
 */
function xorValues(
  vWords: Uint32Array,
  slots: Uint32Array,
  slotCount: number,
  count: number,
): number {
  const { lastLo, lastHi } = scratch;
  const out = scratch.valueBytes;
  const outView = scratch.valueView;
  lastLo.fill(0, 0, slotCount);
  lastHi.fill(0, 0, slotCount);
  const limit = 8 * count;
  let p = 0;
  for (let i = 0; i < count; i++) {
    const s = slots[i]!;
    const lo = vWords[2 * i]!;
    const hi = vWords[2 * i + 1]!;
    const xlo = (lo ^ lastLo[s]!) >>> 0;
    const xhi = (hi ^ lastHi[s]!) >>> 0;
    lastLo[s] = lo;
    lastHi[s] = hi;
    if (xlo === 0 && xhi === 0) {
      out[p++] = 0;
      continue;
    }
    // Zero bytes below (z) and above the significant ones, whole bytes only.
    const z =
      xlo !== 0 ? (31 - Math.clz32(xlo & -xlo)) >>> 3 : 4 + ((31 - Math.clz32(xhi & -xhi)) >>> 3);
    const top = xhi !== 0 ? 8 - (Math.clz32(xhi) >>> 3) : 4 - (Math.clz32(xlo) >>> 3);
    const n = top - z;
    out[p++] = n | (z << 4);
    // The XOR shifted down by z bytes, written as 8 bytes of which the next value overwrites
    // all but the n that count (the scratch has 8 bytes to spare).
    let a: number;
    let b: number;
    if (z === 0) {
      a = xlo;
      b = xhi;
    } else if (z < 4) {
      a = (xlo >>> (8 * z)) | (xhi << (32 - 8 * z));
      b = xhi >>> (8 * z);
    } else {
      a = xhi >>> (8 * z - 32);
      b = 0;
    }
    outView.setUint32(p, a, true);
    outView.setUint32(p + 4, b, true);
    p += n;
    if (p >= limit) return -1;
  }
  return p;
}

/**
 * Encodes `[0, count)` of the columns as version 3. Ids are read as u32 halves (no BigInt
 * per point); timestamps must be integer milliseconds. `values: 'raw'` keeps float64 values
 * as they are (for measuring; the default takes XOR when it is smaller).
 */
export function encodeSampleBatchV3(
  header: SampleBatchHeader,
  seriesIds: BigUint64Array,
  timestamps: Float64Array,
  values: Float64Array,
  count: number,
  valueEncoding: ValueEncoding = 'auto',
): Uint8Array {
  if (count > SAMPLE_BATCH_MAX_POINTS)
    throw new RangeError(`batch of ${count} points exceeds ${SAMPLE_BATCH_MAX_POINTS}`);
  if (timestamps.length < count || values.length < count || seriesIds.length < count)
    throw new RangeError('batch columns are shorter than count');
  let size = 64;
  while (size < 2 * count) size *= 2;
  scratch.ensure(count, size);
  const idWords = new Uint32Array(seriesIds.buffer, seriesIds.byteOffset, count * 2);
  analyseWords(idWords, count, scratch.series, size - 1);
  // Timestamps as u32 halves too, so both columns go through the same analysis.
  const tsWords = scratch.tsWords;
  writeTimestampColumn(tsWords, timestamps, count, true);
  analyseWords(tsWords, count, scratch.times, size - 1);
  const series = scratch.series;
  const times = scratch.times;
  const [sMode, s] = chooseMode(series, count);
  const [tMode, tn] = chooseMode(times, count);

  const vWords = new Uint32Array(values.buffer, values.byteOffset, count * 2);
  let vMode = VALUES_RAW;
  let vBytes = 8 * count;
  if (valueEncoding === 'auto' && count > 0) {
    const xor = xorValues(vWords, valueSlots(series, sMode, idWords, count), s, count);
    if (xor >= 0) {
      vMode = VALUES_XOR;
      vBytes = xor;
    }
  }

  const bytes = new Uint8Array(sampleBatchV3ByteLength(sMode, s, tMode, tn, vBytes, count));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, SAMPLE_BATCH_MAGIC, true);
  view.setUint8(4, SAMPLE_BATCH_V3);
  view.setUint16(6, header.partition, true);
  view.setUint32(8, count, true);
  view.setUint8(12, sMode);
  view.setUint8(13, tMode);
  view.setUint8(14, vMode);
  view.setBigUint64(16, header.producerId, true);
  view.setBigUint64(24, header.sequence, true);
  view.setUint32(32, s, true);
  view.setUint32(36, tn, true);
  view.setUint32(40, vBytes, true);
  const words = new Uint32Array(bytes.buffer);
  let off = SAMPLE_BATCH_V3_HEADER_BYTES;
  writeKeys(words, off / 4, series, sMode, idWords, count);
  off += 8 * s;
  writeKeys(words, off / 4, times, tMode, tsWords, count);
  off += 8 * tn;
  if (vMode === VALUES_RAW)
    new Float64Array(bytes.buffer, off, count).set(values.subarray(0, count));
  else bytes.set(scratch.valueBytes.subarray(0, vBytes), off);
  off += pad4(vBytes);
  writeMapping(bytes, off, series, sMode, idWords, count);
  off += pad4(mappingBytes(sMode, s, count));
  writeMapping(bytes, off, times, tMode, tsWords, count);
  view.setUint32(bytes.length - 4, crc32c(bytes, 0, bytes.length - 4), true);
  return bytes;
}

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
  out.set(keys.subarray(0, Math.min(k, total)));
  for (let filled = k; filled < total; filled *= 2)
    out.copyWithin(filled, 0, Math.min(filled, total - filled));
}

/**
 * Expands the series column into one 8-byte key per point (`out`, as u32 halves) and each
 * point's key slot (`slots`: for the values, and for consumers that resolve each key once),
 * checking the mapping against the table.
 */
function expandKeys(
  buf: ArrayBufferLike,
  keysOff: number,
  k: number,
  mode: number,
  mapOff: number,
  count: number,
  out: Uint32Array,
  slots: Uint32Array,
  what: string,
): void {
  const keys = new Uint32Array(buf, keysOff, 2 * k);
  switch (mode) {
    case KEYS_CYCLIC: {
      repeat(out, keys, 2 * k, 2 * count);
      let c = 0;
      for (let i = 0; i < count; i++) {
        slots[i] = c;
        if (++c === k) c = 0;
      }
      return;
    }
    case KEYS_RUNS: {
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
        const lo = keys[2 * r]!;
        const hi = keys[2 * r + 1]!;
        const end = at + len;
        slots.fill(r, at, end);
        for (let i = at; i < end; i++) {
          out[2 * i] = lo;
          out[2 * i + 1] = hi;
        }
        at = end;
      }
      if (at !== count)
        refuse(WIRE_ERROR_CODES.wireIndex, `${what} runs cover ${at} of ${count} points`, mapOff);
      return;
    }
    default: {
      const index =
        mode === KEYS_U8
          ? new Uint8Array(buf, mapOff, count)
          : mode === KEYS_U16
            ? new Uint16Array(buf, mapOff, count)
            : new Uint32Array(buf, mapOff, count);
      for (let i = 0; i < count; i++) {
        const j = index[i]!;
        if (j >= k)
          refuse(WIRE_ERROR_CODES.wireIndex, `point ${i} refers to ${what} ${j} of ${k}`, mapOff);
        out[2 * i] = keys[2 * j]!;
        out[2 * i + 1] = keys[2 * j + 1]!;
      }
      slots.set(index);
    }
  }
}

/** As `expandKeys` for the timestamps: the table read once as numbers, then spread. */
function expandTimes(
  buf: ArrayBufferLike,
  keysOff: number,
  k: number,
  mode: number,
  mapOff: number,
  count: number,
): Float64Array {
  const keys = readTimestampColumn(new Int32Array(buf, keysOff, 2 * k), k);
  const out = new Float64Array(count);
  switch (mode) {
    case KEYS_CYCLIC:
      repeat(out, keys, k, count);
      return out;
    case KEYS_RUNS: {
      const lengths = new Uint32Array(buf, mapOff, k);
      let at = 0;
      for (let r = 0; r < k; r++) {
        const len = lengths[r]!;
        if (len === 0 || len > count - at)
          refuse(
            WIRE_ERROR_CODES.wireIndex,
            `timestamp run ${r} of ${len} points does not fit in ${count} points (${at} before it)`,
            mapOff + 4 * r,
          );
        out.fill(keys[r]!, at, at + len);
        at += len;
      }
      if (at !== count)
        refuse(WIRE_ERROR_CODES.wireIndex, `timestamp runs cover ${at} of ${count} points`, mapOff);
      return out;
    }
    default: {
      const index =
        mode === KEYS_U8
          ? new Uint8Array(buf, mapOff, count)
          : mode === KEYS_U16
            ? new Uint16Array(buf, mapOff, count)
            : new Uint32Array(buf, mapOff, count);
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
export function decodeSampleBatchV3(message: Uint8Array, view: DataView): SampleBatch {
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
  const aligned = message.byteOffset % 8 === 0 ? message : new Uint8Array(message);
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

  const seriesIds = new BigUint64Array(count);
  const slots = new Uint32Array(count);
  expandKeys(
    buf,
    seriesKeysOff,
    s,
    sMode,
    seriesMapOff,
    count,
    new Uint32Array(seriesIds.buffer),
    slots,
    'series',
  );
  const timestamps = expandTimes(buf, tsKeysOff, tn, tMode, tsMapOff, count);
  let values: Float64Array;
  if (vMode === VALUES_RAW) values = new Float64Array(buf, valuesOff, count);
  else {
    values = new Float64Array(count);
    unxorValues(
      local,
      rel(valuesOff),
      rel(valuesOff) + vBytes,
      slots,
      s,
      count,
      new Uint32Array(values.buffer),
    );
  }
  return {
    partition: view.getUint16(6, true),
    producerId: view.getBigUint64(16, true),
    sequence: view.getBigUint64(24, true),
    count,
    seriesIds,
    timestamps,
    values,
    seriesKeys: new BigUint64Array(buf, seriesKeysOff, s),
    seriesKeyIndex: slots,
  };
}
