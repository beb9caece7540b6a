import { crc32c } from '@ztsdb/checksum';
import { writeTimestampColumn } from './timestamp-column';
import {
  SAMPLE_BATCH_MAGIC,
  SAMPLE_BATCH_MAX_POINTS,
  type SampleBatchHeader,
} from './sample-batch-header';
import {
  KEYS_CYCLIC,
  KEYS_RUNS,
  KEYS_U16,
  KEYS_U32,
  KEYS_U8,
  mappingBytes,
  pad4,
  SAMPLE_BATCH_V3,
  SAMPLE_BATCH_V3_HEADER_BYTES,
  sampleBatchV3ByteLength,
  VALUES_RAW,
  VALUES_XOR,
  type ValueEncoding,
} from './sample-batch-v3-layout';

// The encoder of sample batch version 3; the layout is in sample-batch-v3-layout.ts.

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
