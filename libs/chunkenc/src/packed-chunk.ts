// Over 400 lines: the encoder and both decoders share this module's bit-reader state (BUF,
// END, BP) and header fields, which stay module-local so decoding allocates no object.
import { crc32c } from '@ztsdb/checksum';
import { BitWriter } from './bit-writer';
import { ChunkCorruptError } from './errors';

/**
 * Packed chunk (version 2, docs/format/chunk.md): for series whose values are
 * all decimals v = (m × g) / 10^e with integer m, it stores timestamps as
 * delta-of-deltas and the integers m as offsets, deltas or delta-of-deltas,
 * each in groups of 16 zigzag numbers packed at the group's widest bit width.
 * Smaller than Gorilla's XOR on such values and faster to decode.
 */
export const PACKED_CHUNK_VERSION = 2;
export const PACKED_HEADER_BYTES = 25;
export const PACKED_GROUP = 16;
export const VALUE_MODE_OFFSET = 0;
export const VALUE_MODE_DELTA = 1;
export const VALUE_MODE_DOD = 2;

const TWO_32 = 4294967296;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_EXPONENT = 15;
const MAX_MANTISSA = 2 ** 50;
const LIMIT = 2147483648; // |residual| < 2^31: its zigzag fits 32 bits
const POW10: readonly number[] = Array.from({ length: 16 }, (_, e) => 10 ** e);
const GROUP = 16;

function fitsAt(v: number, e: number): boolean {
  const p = POW10[e]!;
  const m = Math.round(v * p);
  return m / p === v && m <= MAX_MANTISSA && m >= -MAX_MANTISSA && !(v === 0 && 1 / v < 0);
}

/** Smallest exponent at which every value is m / 10^e exactly (decoder's division), or -1. */
function decimalExponent(vs: ArrayLike<number>, start: number, end: number): number {
  let e = 0;
  for (let i = start; i < end; i++) {
    const v = vs[i]!;
    if (fitsAt(v, e)) continue;
    let k = e + 1;
    while (k <= MAX_EXPONENT && !fitsAt(v, k)) k++;
    if (k > MAX_EXPONENT) return -1;
    e = k;
  }
  return e;
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}

const zigzag = (x: number): number => (x >= 0 ? 2 * x : -2 * x - 1);

/** Bits the residuals r[from, to) take packed in groups (6-bit width + width × count). */
function packedBits(r: Float64Array, from: number, to: number): number {
  let bits = 0;
  for (let g = from; g < to; g += GROUP) {
    const ge = Math.min(to, g + GROUP);
    let or = 0;
    for (let i = g; i < ge; i++) or |= r[i]!;
    bits += 6 + (32 - Math.clz32(or)) * (ge - g);
  }
  return bits;
}

function writePacked(w: BitWriter, r: Float64Array, from: number, to: number): void {
  for (let g = from; g < to; g += GROUP) {
    const ge = Math.min(to, g + GROUP);
    let or = 0;
    for (let i = g; i < ge; i++) or |= r[i]!;
    const width = 32 - Math.clz32(or);
    w.writeBits(width, 6);
    if (width === 0) continue;
    for (let i = g; i < ge; i++) w.writeBits(r[i]! >>> 0, width);
  }
}

/**
 * Residuals (zigzag, each < 2^32) of the integers `m` in a mode, into `out`
 * from index 0; returns how many, or -1 when one does not fit 32 bits.
 */
function residuals(
  m: Float64Array,
  n: number,
  mode: number,
  base: number,
  out: Float64Array,
): number {
  if (mode === VALUE_MODE_OFFSET) {
    for (let i = 0; i < n; i++) {
      const d = m[i]! - base;
      if (d >= LIMIT || d < -LIMIT) return -1;
      out[i] = zigzag(d);
    }
    return n;
  }
  let prevDelta = 0;
  for (let i = 1; i < n; i++) {
    const d = m[i]! - m[i - 1]!;
    const x = mode === VALUE_MODE_DELTA ? d : d - prevDelta;
    if (x >= LIMIT || x < -LIMIT) return -1;
    out[i - 1] = zigzag(x);
    prevDelta = d;
  }
  return n - 1;
}

/**
 * Encode points `[start, end)` as a packed chunk, or return null when the
 * values are not all decimals (NaN, ±Inf, -0, more than 15 decimal places)
 * or a timestamp or value step does not fit 32 bits; the caller then keeps
 * the Gorilla chunk. 1 ≤ end - start ≤ 8192; timestamps are safe integers.
 */
export function encodePackedChunk(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  start: number,
  end: number,
): Uint8Array | null {
  const n = end - start;
  if (n < 1 || n > 8192) return null;
  const e = decimalExponent(values, start, end);
  if (e < 0) return null;
  const p = POW10[e]!;
  const m = new Float64Array(n);
  let g = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = Math.round(values[start + i]! * p);
    m[i] = x;
    g = gcd(g, Math.abs(x));
  }
  if (g === 0 || g >= TWO_32) g = 1;
  for (let i = 0; i < n; i++) {
    const x = m[i]! / g;
    m[i] = x;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  // Timestamp delta-of-deltas, replaying the decoder's arithmetic.
  const tr = new Float64Array(Math.max(1, n - 1));
  let prevT = timestamps[start]!;
  let prevDelta = 0;
  for (let i = 1; i < n; i++) {
    const t = timestamps[start + i]!;
    const dod = t - prevT - prevDelta;
    if (!(dod < LIMIT && dod >= -LIMIT)) return null;
    const delta = prevDelta + dod;
    if (prevT + delta !== t) return null;
    tr[i - 1] = zigzag(dod);
    prevT = t;
    prevDelta = delta;
  }
  // The cheapest value mode.
  const base = Math.floor((lo + hi) / 2);
  const r = new Float64Array(n);
  let bestMode = -1;
  let bestBits = Infinity;
  for (let mode = VALUE_MODE_OFFSET; mode <= VALUE_MODE_DOD; mode++) {
    const k = residuals(m, n, mode, base, r);
    if (k < 0) continue;
    const bits = packedBits(r, 0, k);
    if (bits < bestBits) {
      bestBits = bits;
      bestMode = mode;
    }
  }
  if (bestMode < 0) return null;
  const k = residuals(m, n, bestMode, base, r);
  const w = new BitWriter(Math.ceil((packedBits(tr, 0, n - 1) + bestBits) / 8) + 8);
  writePacked(w, tr, 0, n - 1);
  writePacked(w, r, 0, k);
  const out = new Uint8Array(PACKED_HEADER_BYTES + w.byteLength + 4);
  const dv = new DataView(out.buffer);
  out[0] = PACKED_CHUNK_VERSION;
  dv.setUint16(1, n);
  out[3] = bestMode;
  out[4] = e;
  dv.setUint32(5, g);
  writeI64(dv, 9, bestMode === VALUE_MODE_OFFSET ? base : m[0]!);
  writeI64(dv, 17, timestamps[start]!);
  const bodyEnd = PACKED_HEADER_BYTES + w.copyTo(out, PACKED_HEADER_BYTES);
  dv.setUint32(bodyEnd, crc32c(out, 0, bodyEnd));
  return out;
}

function writeI64(dv: DataView, at: number, x: number): void {
  const h = Math.floor(x / TWO_32);
  dv.setUint32(at, h >>> 0);
  dv.setUint32(at + 4, (x - h * TWO_32) >>> 0);
}

function readI64(b: Uint8Array, at: number): number {
  const h = (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
  const l = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
  return h * TWO_32 + l;
}

/** Stream reader state shared by the group decoder (module-local, no object per call). */
let BUF: Uint8Array = new Uint8Array(0);
let END = 0;
let BP = 0;

function peek32(bp: number): number {
  const b = BUF;
  const i = bp >>> 3;
  const s = bp & 7;
  if (i + 4 < END) {
    return (
      (((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) << s) |
      (b[i + 4]! >>> (8 - s))
    );
  }
  let w = 0;
  for (let k = 0; k < 4; k++) w = (w << 8) | (i + k < END ? b[i + k]! : 0);
  const last = i + 4 < END ? b[i + 4]! : 0;
  return (w << s) | (last >>> (8 - s));
}

/** Reads `count` packed zigzag numbers into `out` as signed integers. */
function readPacked(out: Float64Array, count: number): void {
  let bp = BP;
  for (let g = 0; g < count; g += GROUP) {
    const ge = g + GROUP < count ? g + GROUP : count;
    const width = peek32(bp) >>> 26;
    bp += 6;
    if (width === 0) {
      for (let i = g; i < ge; i++) out[i] = 0;
      continue;
    }
    if (width > 32)
      throw new ChunkCorruptError(`packed group width ${width} above 32`, { bitOffset: bp - 6 });
    const shift = 32 - width;
    for (let i = g; i < ge; i++) {
      const z = peek32(bp) >>> shift;
      out[i] = (z >>> 1) ^ -(z & 1);
      bp += width;
    }
  }
  BP = bp;
}

/** Header fields of the packed chunk being decoded (module-local, no object per call). */
let H_MODE = 0;
let H_SCALE = 1;
let H_POW = 1;
let H_BASE = 0;

/** Checks a packed chunk's header, sets H_*, and decodes its timestamps into ts from index 0. */
function decodeHeaderAndTimestamps(
  b: Uint8Array,
  bodyEnd: number,
  n: number,
  ts: Float64Array,
): void {
  const mode = b[3]!;
  const e = b[4]!;
  if (mode > VALUE_MODE_DOD)
    throw new ChunkCorruptError(`unknown packed value mode ${mode}`, { offset: 3 });
  if (e > MAX_EXPONENT)
    throw new ChunkCorruptError(`decimal exponent ${e} above ${MAX_EXPONENT}`, { offset: 4 });
  const g = ((b[5]! << 24) | (b[6]! << 16) | (b[7]! << 8) | b[8]!) >>> 0;
  if (g === 0) throw new ChunkCorruptError('packed scale 0', { offset: 5 });
  H_MODE = mode;
  H_SCALE = g;
  H_POW = POW10[e]!;
  H_BASE = readI64(b, 9);
  let t = readI64(b, 17);
  if (!(t <= MAX_SAFE && t >= -MAX_SAFE))
    throw new ChunkCorruptError('timestamp outside the safe integer range', { offset: 17 });
  BUF = b;
  END = bodyEnd;
  BP = PACKED_HEADER_BYTES * 8;
  // Timestamps: dods in groups, summed as they are read. A group of width 0 (a steady
  // cadence) is a straight line: checking its ends checks every point between.
  ts[0] = t;
  let bp = BP;
  let delta = 0;
  for (let first = 1; first < n; first += GROUP) {
    const end = first + GROUP < n ? first + GROUP : n;
    const width = peek32(bp) >>> 26;
    bp += 6;
    if (width === 0) {
      for (let i = first; i < end; i++) ts[i] = t += delta;
      if (!(t <= MAX_SAFE && t >= -MAX_SAFE)) throw unsafeTimestamp(end - 1);
      continue;
    }
    if (width > 32)
      throw new ChunkCorruptError(`packed group width ${width} above 32`, { bitOffset: bp - 6 });
    const shift = 32 - width;
    for (let i = first; i < end; i++) {
      const z = peek32(bp) >>> shift;
      bp += width;
      delta += (z >>> 1) ^ -(z & 1);
      t += delta;
      if (!(t <= MAX_SAFE && t >= -MAX_SAFE)) throw unsafeTimestamp(i);
      ts[i] = t;
    }
  }
  BP = bp;
}

function unsafeTimestamp(index: number): ChunkCorruptError {
  return new ChunkCorruptError('timestamp outside the safe integer range', { offset: 17, index });
}

/** Decodes every value (after the timestamps, at BP) into vs from index 0. */
function decodeAllValues(n: number, vs: Float64Array): void {
  const g = H_SCALE;
  const p = H_POW;
  const base = H_BASE;
  if (H_MODE === VALUE_MODE_OFFSET) {
    readPacked(vs, n);
    for (let i = 0; i < n; i++) vs[i] = ((vs[i]! + base) * g) / p;
  } else {
    readPacked(vs.subarray(1, n), n - 1);
    let m = base;
    vs[0] = (m * g) / p;
    let d = 0;
    if (H_MODE === VALUE_MODE_DELTA) {
      for (let i = 1; i < n; i++) {
        m += vs[i]!;
        vs[i] = (m * g) / p;
      }
    } else {
      for (let i = 1; i < n; i++) {
        d += vs[i]!;
        m += d;
        vs[i] = (m * g) / p;
      }
    }
  }
}

/** Checks that the bit stream ends at BP with at most 7 zero padding bits; clears BUF. */
function checkStreamEnd(b: Uint8Array, bodyEnd: number, n: number): void {
  const bodyBits = (bodyEnd - PACKED_HEADER_BYTES) * 8;
  const used = BP - PACKED_HEADER_BYTES * 8;
  BUF = new Uint8Array(0);
  if (used > bodyBits) {
    throw new ChunkCorruptError(`bit stream ends early: ${used - bodyBits} more bit(s) needed`, {
      offset: bodyEnd,
      bitOffset: used,
    });
  }
  const left = bodyBits - used;
  BUF = b;
  const pad = left > 0 ? peek32(BP) >>> (32 - left) : 0;
  BUF = new Uint8Array(0);
  if (left >= 8 || pad !== 0) {
    throw new ChunkCorruptError(`${left} unexpected bit(s) after the last of ${n} points`, {
      offset: PACKED_HEADER_BYTES + (used >>> 3),
      bitOffset: used,
    });
  }
}

/**
 * Decodes the body of a packed chunk (header already checked for version and
 * count `n ≥ 1`, bytes `[0, bodyEnd)`), into `ts`/`vs` from index 0.
 */
export function decodePackedBody(
  b: Uint8Array,
  bodyEnd: number,
  n: number,
  ts: Float64Array,
  vs: Float64Array,
): void {
  decodeHeaderAndTimestamps(b, bodyEnd, n, ts);
  decodeAllValues(n, vs);
  checkStreamEnd(b, bodyEnd, n);
}

/**
 * As decodePackedBody, for a reader that needs only some points: decodes every timestamp
 * into `ts`, lets `pick` write the indexes it needs (ascending) into `keep` and return their
 * number, and fills `vs` only at those indexes when values are offsets (each found by its
 * group's width, the others skipped unread); in the delta modes every value is decoded. The
 * whole stream's structure is checked as by decodePackedBody. Returns what pick returned.
 */
export function decodePackedPicked(
  b: Uint8Array,
  bodyEnd: number,
  n: number,
  ts: Float64Array,
  vs: Float64Array,
  keep: Uint32Array,
  pick: (ts: Float64Array, n: number, keep: Uint32Array) => number,
): number {
  decodeHeaderAndTimestamps(b, bodyEnd, n, ts);
  const kept = pick(ts, n, keep);
  if (H_MODE !== VALUE_MODE_OFFSET) {
    decodeAllValues(n, vs);
  } else {
    const g = H_SCALE;
    const p = H_POW;
    const base = H_BASE;
    let bp = BP;
    let k = 0;
    for (let first = 0; first < n; first += GROUP) {
      const end = first + GROUP < n ? first + GROUP : n;
      const width = peek32(bp) >>> 26;
      bp += 6;
      if (width > 32)
        throw new ChunkCorruptError(`packed group width ${width} above 32`, { bitOffset: bp - 6 });
      for (; k < kept && keep[k]! < end; k++) {
        const i = keep[k]!;
        let r = 0;
        if (width > 0) {
          const z = peek32(bp + (i - first) * width) >>> (32 - width);
          r = (z >>> 1) ^ -(z & 1);
        }
        vs[i] = ((r + base) * g) / p;
      }
      bp += width * (end - first);
    }
    BP = bp;
  }
  checkStreamEnd(b, bodyEnd, n);
  return kept;
}
