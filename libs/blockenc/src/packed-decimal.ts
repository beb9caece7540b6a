// Over 400 lines: one format, its writer, its whole-column reader and its by-index picks, which
// share the frame layout and readBits; split, the bit layout would be spelled out twice.
import type { ByteReader } from './byte-reader';
import { ByteWriter, uvarintLength, zigzagLength } from './byte-writer';
import {
  MAX_DECIMAL_SCALE,
  POW10,
  readDecimalExponent,
  readDecimalScale,
  type DecimalForm,
} from './decimal';
import { BlockCorruptError } from './errors';

/**
 * Packed-decimal value blocks (tag 0x17, docs/format/block.md): values v = (n × g) / 10^e
 * as in the scaled-decimal encoding, the integers n in frames of PACKED_FRAME points, each
 * frame's residuals at a fixed bit width and never compressed. A reader can so fetch the
 * value at any index by looking at its frame alone: a step-sampled read of a long column
 * (a range query's steps, one point a minute out of sixty) touches a few bytes per step
 * instead of inflating the whole column, which is what a compressed block needs.
 */
export const PACKED_FRAME = 128;
export const PACKED_MODE_OFFSET = 0;
export const PACKED_MODE_DELTA = 1;
/** Widest residual: integers are within ±2^50, so offsets and deltas are below 2^52. */
export const MAX_PACKED_WIDTH = 52;
const TWO_24 = 16_777_216;

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/** Bits needed for a non-negative integer below 2^53. */
function widthOf(x: number): number {
  let w = 0;
  while (x >= TWO_24) {
    x = Math.floor(x / TWO_24);
    w += 24;
  }
  return w + (32 - Math.clz32(x));
}

/**
 * Appends `w`-bit little-endian bit fields (field 0 in the lowest bits of the first byte)
 * to a byte array; widths up to 52, values exact as float64 integers.
 */
function packInto(r: Float64Array, n: number, w: number, out: Uint8Array, at: number): void {
  let acc = 0; // pending bits, fewer than 8 after each flush
  let accBits = 0;
  let o = at;
  if (w <= 24) {
    // acc holds < 8 bits, so a field shifted in stays within 31 bits.
    for (let i = 0; i < n; i++) {
      acc |= r[i]! << accBits;
      accBits += w;
      while (accBits >= 8) {
        out[o++] = acc & 0xff;
        acc >>>= 8;
        accBits -= 8;
      }
    }
    if (accBits > 0) out[o] = acc & 0xff;
    return;
  }
  for (let i = 0; i < n; i++) {
    let x = r[i]!;
    let left = w;
    while (left > 0) {
      const take = left > 24 ? 24 : left;
      const part = (x % TWO_24) & ((1 << take) - 1);
      x = Math.floor(x / 2 ** take);
      left -= take;
      acc |= part << accBits;
      accBits += take;
      while (accBits >= 8) {
        out[o++] = acc & 0xff;
        acc >>>= 8;
        accBits -= 8;
      }
    }
  }
  if (accBits > 0) out[o] = acc & 0xff;
}

/** A frame's residuals: offsets from its minimum, or its deltas over their minimum. */
function frameResiduals(
  m: Float64Array,
  from: number,
  to: number,
  mode: number,
  r: Float64Array,
): { base: number; dmin: number; n: number; w: number } {
  if (mode === PACKED_MODE_OFFSET) {
    let lo = Infinity;
    for (let i = from; i < to; i++) if (m[i]! < lo) lo = m[i]!;
    let max = 0;
    for (let i = from; i < to; i++) {
      const x = m[i]! - lo;
      r[i - from] = x;
      if (x > max) max = x;
    }
    return { base: lo, dmin: 0, n: to - from, w: widthOf(max) };
  }
  let dmin = Infinity;
  for (let i = from + 1; i < to; i++) {
    const d = m[i]! - m[i - 1]!;
    if (d < dmin) dmin = d;
  }
  if (dmin === Infinity) dmin = 0;
  let max = 0;
  for (let i = from + 1; i < to; i++) {
    const x = m[i]! - m[i - 1]! - dmin;
    r[i - from - 1] = x;
    if (x > max) max = x;
  }
  return { base: m[from]!, dmin, n: to - from - 1, w: widthOf(max) };
}

/** Payload bytes of one mode, from its frames' widths alone (nothing packed). */
function packedSize(g: number, m: Float64Array, mode: number, r: Float64Array): number {
  let size = 2 + uvarintLength(g);
  for (let from = 0; from < m.length; from += PACKED_FRAME) {
    const f = frameResiduals(m, from, Math.min(m.length, from + PACKED_FRAME), mode, r);
    size += 1 + zigzagLength(f.base) + (mode === PACKED_MODE_DELTA ? zigzagLength(f.dmin) : 0);
    size += Math.ceil((f.w * f.n) / 8);
  }
  return size;
}

/** The payload of one mode (without the frame's tag and count), `size` bytes long. */
function packedPayload(
  e: number,
  g: number,
  m: Float64Array,
  mode: number,
  size: number,
  r: Float64Array,
): Uint8Array {
  const w = new ByteWriter(size);
  w.byte(mode);
  w.byte(e);
  w.uvarint(g);
  const out = new Uint8Array(size);
  for (let from = 0; from < m.length; from += PACKED_FRAME) {
    const f = frameResiduals(m, from, Math.min(m.length, from + PACKED_FRAME), mode, r);
    w.byte(f.w);
    w.zigzag(f.base);
    if (mode === PACKED_MODE_DELTA) w.zigzag(f.dmin);
    const bytes = Math.ceil((f.w * f.n) / 8);
    packInto(r, f.n, f.w, out, 0);
    w.bytes(out.subarray(0, bytes));
    out.fill(0, 0, bytes);
  }
  return w.result();
}

/**
 * The packed-decimal payload of decimal form `dec`: integers over their common factor, in
 * whichever of offset and delta mode is smaller (offset on a tie: its reads need no sums);
 * null, with nothing packed, when it would take more than `maxBytes`.
 */
export function packedPayloadOf(dec: DecimalForm, maxBytes = Infinity): Uint8Array | null {
  const src = dec.mantissas;
  let g = 0;
  for (let i = 0; i < src.length; i++) g = gcd(g, Math.abs(src[i]!));
  if (g === 0 || g > MAX_DECIMAL_SCALE) g = 1;
  const m = g === 1 ? src : src.map((x) => x / g);
  const r = new Float64Array(PACKED_FRAME);
  const offset = packedSize(g, m, PACKED_MODE_OFFSET, r);
  const delta = packedSize(g, m, PACKED_MODE_DELTA, r);
  const mode = delta < offset ? PACKED_MODE_DELTA : PACKED_MODE_OFFSET;
  const size = Math.min(offset, delta);
  if (size > maxBytes) return null;
  return packedPayload(dec.exponent, g, m, mode, size, r);
}

/** `w` bits at bit `p` of the bytes from `o` (fields as packInto writes them). */
function readBits(b: Uint8Array, o: number, p: number, w: number): number {
  let val = 0;
  let mul = 1;
  while (w > 0) {
    const take = w > 24 ? 24 : w;
    const at = o + (p >>> 3);
    const sh = p & 7;
    // Bytes past the array read as undefined, i.e. 0, and only ever fill masked-off bits.
    const word = b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
    val += ((word >>> sh) & ((1 << take) - 1)) * mul;
    mul *= TWO_24;
    p += take;
    w -= take;
  }
  return val;
}

/** A packed payload's header and the byte offset of each frame, checked against its length. */
interface PackedLayout {
  mode: number;
  g: number;
  pw: number;
  count: number;
  /** Per frame: width, base, minimum delta (delta mode) and where its residuals start. */
  width: Uint8Array;
  base: Float64Array;
  dmin: Float64Array;
  data: Uint32Array;
  buf: Uint8Array;
}

let layoutScratch: PackedLayout | null = null;

/** Parses a packed payload of `count` values, checking every frame header and the total length. */
function openPacked(p: ByteReader, count: number): PackedLayout {
  const at = p.pos;
  const mode = p.byte();
  if (mode > PACKED_MODE_DELTA)
    throw new BlockCorruptError(`packed block mode ${mode} unknown`, { offset: at });
  const e = readDecimalExponent(p);
  const g = readDecimalScale(p);
  const frames = Math.ceil(count / PACKED_FRAME);
  let l = layoutScratch;
  if (l === null || l.width.length < frames) {
    const size = Math.max(frames, 64);
    l = {
      mode: 0,
      g: 1,
      pw: 1,
      count: 0,
      width: new Uint8Array(size),
      base: new Float64Array(size),
      dmin: new Float64Array(size),
      data: new Uint32Array(size),
      buf: p.buf,
    };
    layoutScratch = l;
  }
  l.mode = mode;
  l.g = g;
  l.pw = POW10[e]!;
  l.count = count;
  l.buf = p.buf;
  for (let f = 0; f < frames; f++) {
    const w = p.byte();
    if (w > MAX_PACKED_WIDTH)
      throw new BlockCorruptError(`frame ${f}: ${w}-bit residuals (at most ${MAX_PACKED_WIDTH})`, {
        offset: p.pos - 1,
      });
    l.width[f] = w;
    l.base[f] = p.zigzag();
    l.dmin[f] = mode === PACKED_MODE_DELTA ? p.zigzag() : 0;
    const n = Math.min(PACKED_FRAME, count - f * PACKED_FRAME) - mode;
    const bytes = Math.ceil((w * n) / 8);
    p.need(bytes, `frame ${f}'s residuals`);
    l.data[f] = p.pos;
    p.pos += bytes;
  }
  return l;
}

/** Decode a packed payload into `out` (its length is the count). Throws BlockCorruptError. */
export function decodePacked(p: ByteReader, out: Float64Array): void {
  const l = openPacked(p, out.length);
  const { g, pw, buf } = l;
  const frames = Math.ceil(out.length / PACKED_FRAME);
  for (let f = 0; f < frames; f++) {
    const from = f * PACKED_FRAME;
    const to = Math.min(out.length, from + PACKED_FRAME);
    const w = l.width[f]!;
    const o = l.data[f]!;
    let n = l.base[f]!;
    if (l.mode === PACKED_MODE_OFFSET) {
      for (let i = from; i < to; i++) out[i] = ((n + readBits(buf, o, (i - from) * w, w)) * g) / pw;
    } else {
      const dmin = l.dmin[f]!;
      out[from] = (n * g) / pw;
      for (let i = from + 1; i < to; i++) {
        n += dmin + readBits(buf, o, (i - from - 1) * w, w);
        out[i] = (n * g) / pw;
      }
    }
  }
}

/**
 * Values at ascending indexes `idx[from, to)` minus `shift` of a packed payload of `count`
 * values, into `out[from, to)`; the indexes are the caller's to check. Only the frames holding them are read (in delta mode, their
 * residuals up to the last index asked). Throws BlockCorruptError.
 */
export function pickPacked(
  p: ByteReader,
  count: number,
  idx: Uint32Array,
  from: number,
  to: number,
  shift: number,
  out: Float64Array,
): void {
  const need = packedLayoutLength(count);
  if (pickLayout.length < need)
    pickLayout = new Float64Array(Math.max(need, 2 * pickLayout.length));
  // The layout records the residuals' positions in the reader's bytes: base 0.
  packedLayoutInto(p, count, pickLayout, 0);
  pickPackedLaidOut(p.buf, 0, pickLayout, 0, idx, from, to, shift, out);
}

/** pickPacked's layout of the payload at hand (one per process: picks do not nest). */
let pickLayout = new Float64Array(0);

/** Doubles packedLayoutInto writes for a payload of `count` values. */
export function packedLayoutLength(count: number): number {
  return 3 + 3 * Math.ceil(count / PACKED_FRAME);
}

/**
 * A packed payload of `count` values parsed once (header and every frame checked, as a pick
 * does) and written flat into `into` from `at`: mode, scale g, 10^e, then per frame its base,
 * its minimum delta (0 in offset mode) and where its residuals start (the reader's position)
 * × 64 + their bit width. A reader that keeps it picks values with pickPackedLaidOut without
 * parsing the frames again. Returns the index after it. Throws BlockCorruptError.
 */
export function packedLayoutInto(
  p: ByteReader,
  count: number,
  into: Float64Array,
  at: number,
): number {
  const l = openPacked(p, count);
  into[at] = l.mode;
  into[at + 1] = l.g;
  into[at + 2] = l.pw;
  let o = at + 3;
  const frames = Math.ceil(count / PACKED_FRAME);
  for (let f = 0; f < frames; f++, o += 3) {
    into[o] = l.base[f]!;
    into[o + 1] = l.dmin[f]!;
    into[o + 2] = l.data[f]! * 64 + l.width[f]!;
  }
  return o;
}

/**
 * pickPacked over a layout packedLayoutInto wrote into `lay` at `at`, the residuals read from
 * `buf` with the layout's positions shifted by `base` (where the parsed bytes start in `buf`).
 * The indexes are the caller's to check (below the layout's count).
 */
export function pickPackedLaidOut(
  buf: Uint8Array,
  base: number,
  lay: Float64Array,
  at: number,
  idx: Uint32Array,
  from: number,
  to: number,
  shift: number,
  out: Float64Array,
): void {
  const delta = lay[at] === PACKED_MODE_DELTA;
  const g = lay[at + 1]!;
  const pw = lay[at + 2]!;
  let frame = -1;
  let pos = 0; // delta mode: index within the frame that `n` is at
  let n = 0;
  for (let k = from; k < to; k++) {
    const i = idx[k]! - shift;
    const f = i >>> 7; // PACKED_FRAME = 128
    const j = i & 127;
    const e = at + 3 + 3 * f;
    // Split with a division and a floor: `%` of a double is a call to fmod, a third of the
    // time of a step-sampled read of 1,000 packed series when it was here.
    const wd = lay[e + 2]!;
    const q = Math.floor(wd / 64);
    const w = wd - q * 64;
    const o = base + q;
    if (!delta) {
      let r: number;
      if (w <= 24) {
        // One 32-bit window holds the field (what readBits does, without the call).
        const bit = j * w;
        const x = o + (bit >>> 3);
        const word = buf[x]! | (buf[x + 1]! << 8) | (buf[x + 2]! << 16) | (buf[x + 3]! << 24);
        r = (word >>> (bit & 7)) & ((1 << w) - 1);
      } else r = readBits(buf, o, j * w, w);
      out[k] = ((lay[e]! + r) * g) / pw;
      continue;
    }
    if (f !== frame || j < pos) {
      frame = f;
      pos = 0;
      n = lay[e]!;
    }
    const dmin = lay[e + 1]!;
    if (w <= 24) {
      // Every residual up to the pick is read: readBits inlined, as in offset mode.
      const mask = (1 << w) - 1;
      for (let bit = pos * w; pos < j; pos++, bit += w) {
        const x = o + (bit >>> 3);
        const word = buf[x]! | (buf[x + 1]! << 8) | (buf[x + 2]! << 16) | (buf[x + 3]! << 24);
        n += dmin + ((word >>> (bit & 7)) & mask);
      }
    } else for (; pos < j; pos++) n += dmin + readBits(buf, o, pos * w, w);
    out[k] = (n * g) / pw;
  }
}
