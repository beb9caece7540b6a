import { InvalidInputError } from '@ztsdb/errors';
import {
  MAX_VARINT_INT,
  TAG_TS_CONST_STEP,
  TAG_TS_DELTA,
  TAG_TS_DOD,
  TAG_TS_PLAIN,
} from './block-format';
import { emptyBlock, frameBlock, openBlock } from './block-frame';
import type { ByteReader } from './byte-reader';
import { ByteWriter, zigzagLength } from './byte-writer';
import { BlockCorruptError, BLOCKENC_ERROR_CODES } from './errors';
import { checkRange } from './input-range';

const TS_ENCODINGS: ReadonlySet<number> = new Set([
  TAG_TS_CONST_STEP,
  TAG_TS_DELTA,
  TAG_TS_DOD,
  TAG_TS_PLAIN,
]);

/**
 * Encode integer-millisecond timestamps `[start, end)` (safe integers, any
 * order) as one block, picking the smallest of constant step, delta,
 * delta-of-delta and plain int64, then compressing when it pays.
 */
export function encodeTimestampBlock(
  ts: ArrayLike<number>,
  start = 0,
  end = ts.length,
): Uint8Array {
  const n = checkRange(ts, start, end, 'timestamps');
  if (n === 0) return emptyBlock();
  const first = ts[start]!;
  if (!Number.isSafeInteger(first)) throw badTimestamp(first, start);
  const step = n > 1 ? ts[start + 1]! - first : 0;
  let constStep = true;
  let varintOk = true;
  let dodOk = true;
  let deltaSize = 8;
  let dodSize = 8;
  let prev = first;
  let prevDelta = 0;
  for (let i = start + 1; i < end; i++) {
    const t = ts[i]!;
    if (!Number.isSafeInteger(t)) throw badTimestamp(t, i);
    const d = t - prev;
    // Every encoding but plain rebuilds t as prev + d: it must be exact.
    if (prev + d !== t || d > MAX_VARINT_INT || d < -MAX_VARINT_INT) {
      varintOk = dodOk = constStep = false;
      break;
    }
    if (d !== step) constStep = false;
    deltaSize += zigzagLength(d);
    if (i === start + 1) {
      dodSize += zigzagLength(d);
    } else if (dodOk) {
      const dod = d - prevDelta;
      if (prevDelta + dod !== d || dod > MAX_VARINT_INT || dod < -MAX_VARINT_INT) dodOk = false;
      else dodSize += zigzagLength(dod);
    }
    prev = t;
    prevDelta = d;
  }
  if (!varintOk) {
    // Finish validating, then fall back to raw int64.
    for (let i = start + 1; i < end; i++)
      if (!Number.isSafeInteger(ts[i]!)) throw badTimestamp(ts[i]!, i);
  }
  const w = new ByteWriter(Math.min(8 * n, Math.max(deltaSize, 16)) + 8);
  w.int64(first);
  let encoding: number;
  if (constStep) {
    encoding = TAG_TS_CONST_STEP;
    w.zigzag(step);
  } else if (varintOk && (deltaSize <= dodSize || !dodOk) && deltaSize < 8 * n) {
    encoding = TAG_TS_DELTA;
    for (let i = start + 1; i < end; i++) w.zigzag(ts[i]! - ts[i - 1]!);
  } else if (varintOk && dodOk && dodSize < 8 * n) {
    encoding = TAG_TS_DOD;
    let pd = 0;
    for (let i = start + 1; i < end; i++) {
      const d = ts[i]! - ts[i - 1]!;
      w.zigzag(i === start + 1 ? d : d - pd);
      pd = d;
    }
  } else {
    encoding = TAG_TS_PLAIN;
    for (let i = start + 1; i < end; i++) w.int64(ts[i]!);
  }
  return frameBlock(encoding, n, w.result(), encoding !== TAG_TS_CONST_STEP);
}

function badTimestamp(t: number, i: number): InvalidInputError {
  return new InvalidInputError(
    BLOCKENC_ERROR_CODES.badTimestamp,
    `timestamp ${t} at index ${i} is not a safe integer (ms)`,
    {
      index: i,
    },
  );
}

/** Decode a timestamp block. Throws BlockCorruptError. */
export function decodeTimestampBlock(block: Uint8Array): Float64Array {
  const opened = openBlock(block, TS_ENCODINGS, 'timestamp');
  const out = new Float64Array(opened.count);
  if (opened.count > 0) decodeTimestamps(opened.encoding, opened.count, opened.payload, out);
  return out;
}

/**
 * Decode a timestamp block into `out` from index 0 (a reader's reused scratch) and return its
 * point count. Throws BlockCorruptError, also when the block holds more points than `out`.
 */
export function decodeTimestampBlockInto(block: Uint8Array, out: Float64Array): number {
  const { encoding, count, payload } = openBlock(block, TS_ENCODINGS, 'timestamp');
  if (count > out.length)
    throw new BlockCorruptError(`${count} timestamps, room for ${out.length}`, {
      offset: 1,
      count,
    });
  if (count > 0) decodeTimestamps(encoding, count, payload, out);
  return count;
}

/**
 * A steady timestamp block (`ts-const-step`) as its first timestamp, step and count, without
 * decoding it: timestamp i is t0 + i·step. Null for any other encoding (and for an empty
 * block). Checks what decoding would: the frame, the payload's exact length and that the
 * last timestamp is a safe integer. Throws BlockCorruptError.
 */
export function steadyTimestamps(
  block: Uint8Array,
): { t0: number; step: number; count: number } | null {
  if (block[0] !== TAG_TS_CONST_STEP) return null;
  const { count, payload } = openBlock(block, TS_ENCODINGS, 'timestamp');
  const t0 = payload.int64();
  const step = payload.zigzag();
  payload.expectEnd('timestamps');
  checkSafe(t0 + (count - 1) * step, payload);
  return { t0, step, count };
}

/** Decodes an opened block's `count` timestamps into `out`. */
function decodeTimestamps(
  encoding: number,
  count: number,
  payload: ByteReader,
  out: Float64Array,
): void {
  let t = payload.int64();
  out[0] = t;
  switch (encoding) {
    case TAG_TS_CONST_STEP: {
      const step = payload.zigzag();
      for (let i = 1; i < count; i++) out[i] = t += step;
      checkSafe(t, payload);
      break;
    }
    case TAG_TS_DELTA:
      for (let i = 1; i < count; i++) {
        t += payload.zigzag();
        out[i] = t;
        checkSafe(t, payload);
      }
      break;
    case TAG_TS_DOD: {
      let d = 0;
      for (let i = 1; i < count; i++) {
        d += payload.zigzag();
        t += d;
        out[i] = t;
        checkSafe(t, payload);
      }
      break;
    }
    default:
      for (let i = 1; i < count; i++) out[i] = payload.int64();
  }
  payload.expectEnd('timestamps');
}

function checkSafe(t: number, payload: ByteReader): void {
  if (t > Number.MAX_SAFE_INTEGER || t < -Number.MAX_SAFE_INTEGER) {
    throw new BlockCorruptError('decoded timestamp outside the safe integer range', {
      offset: payload.pos,
    });
  }
}
