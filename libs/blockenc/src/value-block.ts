// Over 400 lines: the value block's encoder offers one block to every encoding and keeps the
// smallest, and its decoders read each of them; split apart, the choice and the formats it
// weighs would each have to know the others' tags and payload shapes.
import {
  BitReader,
  BitWriter,
  ChunkCorruptError,
  XorValueReader,
  XorValueWriter,
} from '@ztsdb/chunkenc';
import {
  TAG_VAL_CONST,
  TAG_VAL_DECIMAL,
  TAG_VAL_DECIMAL_DELTA,
  TAG_VAL_DECIMAL_DOD,
  TAG_VAL_PACKED,
  TAG_VAL_PLAIN,
  TAG_VAL_SCALED,
  TAG_VAL_XOR,
  COMPRESSION_BROTLI,
  COMPRESSION_SHIFT,
  ENCODING_MASK,
  TAG_EMPTY,
} from './block-format';
import { emptyBlock, frameBlock, openBlock, rawBlockLength } from './block-frame';
import type { ByteReader } from './byte-reader';
import { ByteWriter, zigzagLength } from './byte-writer';
import { POW10, readDecimalExponent, toDecimal } from './decimal';
import { tagInflates } from './block-tag';
import { BlockCorruptError } from './errors';
import { makeFloatScratch } from '@ztsdb/chunkenc';
import { checkRange } from './input-range';
import {
  COMPRESSION_BROTLI_QUALITY_MAX,
  DEFAULT_BROTLI_QUALITY,
  PREFERRED_COMPRESSION,
  estimateCompressed,
} from './compression';
import { decodeScaled, scaledPayloads } from './scaled-decimal';
import {
  PACKED_FRAME,
  decodePacked,
  packedLayoutInto,
  packedLayoutLength,
  packedPayloadOf,
  pickPacked,
} from './packed-decimal';

const { f64: F64, i32: I32, hi: HI, lo: LO } = makeFloatScratch();

const VAL_ENCODINGS: ReadonlySet<number> = new Set([
  TAG_VAL_CONST,
  TAG_VAL_XOR,
  TAG_VAL_DECIMAL,
  TAG_VAL_DECIMAL_DELTA,
  TAG_VAL_DECIMAL_DOD,
  TAG_VAL_PLAIN,
  TAG_VAL_SCALED,
  TAG_VAL_PACKED,
]);

/**
 * Encode float64 values `[start, end)` as one block, losslessly (every bit
 * pattern, NaN payloads and -0 included). Candidates: constant; decimal
 * (v = m / 10^e) with the integers raw, as deltas or as delta-of-deltas;
 * scaled decimal (integers over their common factor, in varints or byte
 * planes; scaled-decimal.ts); Gorilla XOR; plain. Each is offered to the
 * compressor and the smallest resulting block wins (the earlier on a tie). With a
 * `brotliQuality` above the default, the winner is compressed again at it (the cold writer:
 * written once, read many times) and kept when smaller.
 */
export function encodeValueBlock(
  values: ArrayLike<number>,
  start = 0,
  end = values.length,
  packedSlack = DEFAULT_PACKED_SLACK,
  brotliQuality = DEFAULT_BROTLI_QUALITY,
): Uint8Array {
  if (
    !Number.isInteger(brotliQuality) ||
    brotliQuality < 0 ||
    brotliQuality > COMPRESSION_BROTLI_QUALITY_MAX
  )
    throw new RangeError(`brotli quality ${brotliQuality} is not an integer in 0..11`);
  const n = checkRange(values, start, end, 'values');
  if (n === 0) return emptyBlock();
  if (allSameBits(values, start, end)) {
    const w = new ByteWriter(8);
    w.f64(values[start]!);
    return frameBlock(TAG_VAL_CONST, n, w.result(), false);
  }
  const candidates: { encoding: number; payload: Uint8Array }[] = [];
  const dec = toDecimal(values, start, end);
  if (dec) {
    candidates.push(decimalPayload(dec.exponent, dec.mantissas));
    if (n >= 2)
      for (const p of scaledPayloads(dec))
        candidates.push({ encoding: TAG_VAL_SCALED, payload: p });
  }
  const xor = encodeXor(values, start, end);
  if (xor.length < 8 * n) candidates.push({ encoding: TAG_VAL_XOR, payload: xor });
  // With many candidates, a fast compression estimate picks the two most
  // promising; only those get the real compression pass.
  let chosen = candidates;
  if (candidates.length > FULLY_COMPRESSED) {
    const est = candidates.map((c) => estimateCompressed(c.payload));
    chosen = candidates
      .map((c, i) => ({ c, e: est[i]!, i }))
      .sort((a, b) => a.e - b.e || a.i - b.i)
      .slice(0, FULLY_COMPRESSED)
      .sort((a, b) => a.i - b.i)
      .map((x) => x.c);
  }
  let best: Uint8Array | undefined;
  let winner: (typeof chosen)[number] | undefined;
  for (const c of chosen) {
    const block = frameBlock(c.encoding, n, c.payload);
    if (!best || block.length < best.length) {
      best = block;
      winner = c;
    }
  }
  if (
    best &&
    winner &&
    brotliQuality > DEFAULT_BROTLI_QUALITY &&
    PREFERRED_COMPRESSION === COMPRESSION_BROTLI &&
    tagInflates(best[0]!)
  ) {
    const again = frameBlock(winner.encoding, n, winner.payload, true, brotliQuality);
    if (again.length < best.length) best = again;
  }
  if (dec && best) {
    // Readable by index (a step-sampled read skips the rest): worth a few more bytes.
    const limit = Math.floor(best.length * (n >= PACKED_FRAME ? Math.max(1, packedSlack) : 1));
    const payload = packedPayloadOf(dec, limit - rawBlockLength(n, 0));
    if (payload) best = frameBlock(TAG_VAL_PACKED, n, payload, false);
  }
  if (best && best.length < rawBlockLength(n, 8 * n)) return best;
  const w = new ByteWriter(8 * n);
  for (let i = start; i < end; i++) w.f64(values[i]!);
  return frameBlock(TAG_VAL_PLAIN, n, w.result());
}

function allSameBits(values: ArrayLike<number>, start: number, end: number): boolean {
  F64[0] = values[start]!;
  const hi = I32[HI]!;
  const lo = I32[LO]!;
  for (let i = start + 1; i < end; i++) {
    F64[0] = values[i]!;
    if (I32[HI] !== hi || I32[LO] !== lo) return false;
  }
  return true;
}

function encodeXor(values: ArrayLike<number>, start: number, end: number): Uint8Array {
  const bits = new BitWriter((end - start) * 2 + 16);
  const xw = new XorValueWriter();
  for (let i = start; i < end; i++) xw.write(bits, values[i]!);
  const out = new Uint8Array(bits.byteLength);
  bits.copyTo(out, 0);
  return out;
}

/**
 * A packed-decimal block (readable by index, never compressed) is kept over a smaller block
 * when it is at most this many times its size (blocks of at least one frame; a shorter one
 * only when it is the smallest): a step-sampled read of a compressed column inflates it
 * whole, of a packed one reads only the values at its steps. The cold writer's
 * `packedSlack` (ZTSDB_COLD_PACKED_SLACK_PERCENT) overrides it; 1 keeps a packed block only
 * when it is the smallest.
 */
export const DEFAULT_PACKED_SLACK = 1.25;

/** Candidates that get the real compression pass when there are more. */
const FULLY_COMPRESSED = 2;

/** Pick raw, delta or delta-of-delta integers, whichever is smallest before compression. */
function decimalPayload(
  exponent: number,
  m: Float64Array,
): { encoding: number; payload: Uint8Array } {
  const n = m.length;
  let rawSize = 0;
  let deltaSize = 0;
  let dodSize = 0;
  let prevDelta = 0;
  for (let i = 0; i < n; i++) {
    const v = m[i]!;
    rawSize += zigzagLength(v);
    const d = i === 0 ? v : v - m[i - 1]!;
    deltaSize += zigzagLength(d);
    dodSize += zigzagLength(i <= 1 ? d : d - prevDelta);
    prevDelta = d;
  }
  const w = new ByteWriter(1 + Math.min(rawSize, deltaSize, dodSize));
  w.byte(exponent);
  let encoding: number;
  if (rawSize <= deltaSize && rawSize <= dodSize) {
    encoding = TAG_VAL_DECIMAL;
    for (let i = 0; i < n; i++) w.zigzag(m[i]!);
  } else if (deltaSize <= dodSize) {
    encoding = TAG_VAL_DECIMAL_DELTA;
    for (let i = 0; i < n; i++) w.zigzag(i === 0 ? m[0]! : m[i]! - m[i - 1]!);
  } else {
    encoding = TAG_VAL_DECIMAL_DOD;
    let pd = 0;
    for (let i = 0; i < n; i++) {
      const d = i === 0 ? m[0]! : m[i]! - m[i - 1]!;
      w.zigzag(i <= 1 ? d : d - pd);
      pd = d;
    }
  }
  return { encoding, payload: w.result() };
}

/** Decode a value block. Throws BlockCorruptError. */
export function decodeValueBlock(block: Uint8Array): Float64Array {
  const opened = openBlock(block, VAL_ENCODINGS, 'value');
  const out = new Float64Array(opened.count);
  if (opened.count > 0) decodeValues(opened.encoding, opened.payload, out);
  return out;
}

/**
 * Decode a value block into `out` from index 0 (a reader's reused scratch) and return its
 * point count. Throws BlockCorruptError, also when the block holds more points than `out`.
 */
export function decodeValueBlockInto(block: Uint8Array, out: Float64Array): number {
  const { encoding, count, payload } = openBlock(block, VAL_ENCODINGS, 'value');
  if (count > out.length)
    throw new BlockCorruptError(`${count} values, room for ${out.length}`, { offset: 1, count });
  if (count > 0)
    decodeValues(encoding, payload, count === out.length ? out : out.subarray(0, count));
  return count;
}

/** Whole-block decode scratch of pickValueBlock for encodings not readable by index. */
let pickScratch = new Float64Array(4096);

/**
 * The values at ascending indexes `idx[from, to)` (each minus `shift`, so a caller can pass
 * indexes over several blocks laid end to end) of a value block, into `out[from, to)`; returns
 * the block's point count. A packed-decimal block is read at those indexes only, a constant
 * one not at all; any other is decoded whole into a scratch first. Throws BlockCorruptError,
 * also for an index outside the block.
 */
export function pickValueBlock(
  block: Uint8Array,
  idx: Uint32Array,
  from: number,
  to: number,
  shift: number,
  out: Float64Array,
): number {
  const { encoding, count, payload } = openBlock(block, VAL_ENCODINGS, 'value');
  for (let k = from; k < to; k++) {
    const i = idx[k]! - shift;
    if (i < 0 || i >= count)
      throw new BlockCorruptError(`index ${i} outside the block's ${count} values`, {
        offset: 1,
        count,
      });
  }
  if (count === 0) return 0;
  if (encoding === TAG_VAL_PACKED) {
    pickPacked(payload, count, idx, from, to, shift, out);
    payload.expectEnd('values');
    return count;
  }
  if (encoding === TAG_VAL_CONST) {
    const v = payload.f64();
    payload.expectEnd('values');
    out.fill(v, from, to);
    return count;
  }
  if (pickScratch.length < count)
    pickScratch = new Float64Array(Math.max(count, 2 * pickScratch.length));
  const all = pickScratch.subarray(0, count);
  decodeValues(encoding, payload, all);
  for (let k = from; k < to; k++) out[k] = all[idx[k]! - shift]!;
  return count;
}

/**
 * Doubles valueBlockLayoutInto needs for this block: 0 unless it is an uncompressed
 * packed-decimal block (the only encoding with a layout). Looks at the tag and count only.
 */
export function valueBlockLayoutLength(block: Uint8Array): number {
  if (block[0] !== TAG_VAL_PACKED) return 0;
  const { count } = openBlock(block, VAL_ENCODINGS, 'value');
  return packedLayoutLength(count);
}

/**
 * An uncompressed packed-decimal value block checked whole (what pickValueBlock checks before
 * its picks: frame, header, every frame's width and length, the payload's exact end) and its
 * layout written into `into` from `at` (packedLayoutInto; positions are offsets in `block`);
 * returns its point count, or 0 for any other block (nothing written). pickPackedLaidOut then
 * reads values by index without parsing the block again. Throws BlockCorruptError.
 */
export function valueBlockLayoutInto(block: Uint8Array, into: Float64Array, at: number): number {
  if (block[0] !== TAG_VAL_PACKED) return 0;
  const { count, payload } = openBlock(block, VAL_ENCODINGS, 'value');
  packedLayoutInto(payload, count, into, at);
  payload.expectEnd('values');
  return count;
}

/**
 * Whether pickValueBlock reads this block without decoding it whole: an uncompressed
 * packed-decimal or constant block, or an empty one. Looks at the tag byte only.
 */
export function valueBlockPickable(block: Uint8Array): boolean {
  const tag = block[0];
  return tag !== undefined && valueTagPickable(tag);
}

/** valueBlockPickable from the block's tag byte alone. */
export function valueTagPickable(tag: number): boolean {
  if (tag === TAG_EMPTY) return true;
  if (tag >>> COMPRESSION_SHIFT !== 0) return false;
  const e = tag & ENCODING_MASK;
  return e === TAG_VAL_PACKED || e === TAG_VAL_CONST;
}

/**
 * Whether a block with this tag holds no NaN, by its encoding alone: an uncompressed
 * packed-decimal block (integers scaled by a power of ten) or an empty one. A reader that
 * drops staleness markers (NaN) can pick such a block's values by index knowing none is dropped.
 */
export function valueTagHoldsNoNaN(tag: number): boolean {
  if (tag === TAG_EMPTY) return true;
  return tag >>> COMPRESSION_SHIFT === 0 && (tag & ENCODING_MASK) === TAG_VAL_PACKED;
}

/** Decodes an opened block's `out.length` values into `out`. */
function decodeValues(encoding: number, payload: ByteReader, out: Float64Array): void {
  const count = out.length;
  switch (encoding) {
    case TAG_VAL_CONST:
      out.fill(payload.f64());
      break;
    case TAG_VAL_XOR:
      decodeXor(payload, out);
      return;
    case TAG_VAL_PLAIN:
      for (let i = 0; i < count; i++) out[i] = payload.f64();
      break;
    case TAG_VAL_SCALED:
      decodeScaled(payload, out);
      break;
    case TAG_VAL_PACKED:
      decodePacked(payload, out);
      break;
    default:
      decodeDecimal(encoding, payload, out);
  }
  payload.expectEnd('values');
}

function decodeDecimal(encoding: number, payload: ByteReader, out: Float64Array): void {
  const exponent = readDecimalExponent(payload);
  const p = POW10[exponent]!;
  const n = out.length;
  if (encoding === TAG_VAL_DECIMAL) {
    for (let i = 0; i < n; i++) out[i] = payload.zigzag() / p;
  } else if (encoding === TAG_VAL_DECIMAL_DELTA) {
    let m = 0;
    for (let i = 0; i < n; i++) out[i] = (m += payload.zigzag()) / p;
  } else {
    let m = 0;
    let d = 0;
    for (let i = 0; i < n; i++) {
      const x = payload.zigzag();
      d = i <= 1 ? x : d + x;
      out[i] = (m += d) / p;
    }
  }
}

function decodeXor(payload: ByteReader, out: Float64Array): void {
  const bits = new BitReader(payload.buf, payload.pos, payload.end);
  const xr = new XorValueReader();
  try {
    for (let i = 0; i < out.length; i++) out[i] = xr.read(bits);
  } catch (e) {
    if (e instanceof ChunkCorruptError) {
      throw new BlockCorruptError(
        `bad XOR value bits: ${e.message}`,
        { offset: payload.pos },
        { cause: e },
      );
    }
    throw e;
  }
  if (!bits.atPaddedEnd()) {
    throw new BlockCorruptError(
      `${bits.bitsLeft} unexpected bit(s) after ${out.length} XOR values`,
      {
        offset: payload.end - (bits.bitsLeft >>> 3),
      },
    );
  }
}
