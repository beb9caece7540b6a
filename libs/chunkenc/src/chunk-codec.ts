import { InvalidInputError } from '@ztsdb/errors';
import {
  CHUNK_HEADER_BYTES,
  CHUNK_TRAILER_BYTES,
  CHUNK_VERSION,
  MAX_CHUNK_POINTS,
} from './chunk-format';
import { checkChunk } from './chunk-check';
import { ChunkFullError, CHUNKENC_ERROR_CODES } from './errors';
import {
  PACKED_CHUNK_VERSION,
  decodePackedBody,
  decodePackedPicked,
  encodePackedChunk,
} from './packed-chunk';
import { XorAppender } from './xor-appender';
import { decodeXorStream } from './xor-decode';

/** Encode points `[start, end)` of two parallel arrays as one (Gorilla, version 1) chunk. */
export function encodeChunk(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  start = 0,
  end = timestamps.length,
): Uint8Array {
  const n = checkRange(timestamps, values, start, end);
  const app = new XorAppender(Math.max(64, n * 2));
  for (let i = start; i < end; i++) app.append(timestamps[i]!, values[i]!);
  return app.bytes();
}

/**
 * Encode points `[start, end)` as the smaller of a Gorilla chunk (version 1)
 * and a packed chunk (version 2, decimal values only). decodeChunk reads both.
 */
export function encodeChunkCompact(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  start = 0,
  end = timestamps.length,
): Uint8Array {
  const xor = encodeChunk(timestamps, values, start, end);
  if (end - start === 0) return xor;
  const packed = encodePackedChunk(timestamps, values, start, end);
  return packed !== null && packed.length < xor.length ? packed : xor;
}

/**
 * Re-encode a chunk (either version) as the smaller of the two versions.
 * Returns `chunk` itself when it is already the smallest. Throws ChunkCorruptError.
 */
export function compactChunk(chunk: Uint8Array): Uint8Array {
  const { timestamps, values } = decodeChunk(chunk);
  if (timestamps.length === 0) return chunk;
  const packed = encodePackedChunk(timestamps, values, 0, timestamps.length);
  if (chunk[0] === PACKED_CHUNK_VERSION) {
    // A packed chunk: the Gorilla form may still be smaller (the writer may not have compared).
    const xor = encodeChunk(timestamps, values);
    const best = packed !== null && packed.length <= xor.length ? packed : xor;
    return best.length < chunk.length ? best : chunk;
  }
  return packed !== null && packed.length < chunk.length ? packed : chunk;
}

function checkRange(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  start: number,
  end: number,
): number {
  if (!(start >= 0 && start <= end && end <= timestamps.length && end <= values.length)) {
    throw new InvalidInputError(
      CHUNKENC_ERROR_CODES.badRange,
      `range [${start}, ${end}) does not fit ${timestamps.length} timestamps and ${values.length} values`,
    );
  }
  const n = end - start;
  if (n > MAX_CHUNK_POINTS) {
    throw new ChunkFullError(`${n} points exceed the ${MAX_CHUNK_POINTS}-point chunk limit`, {
      count: n,
    });
  }
  return n;
}

/**
 * Decode every point of a chunk of either version. `verifyChecksum: false`
 * skips the CRC for callers whose container already checked the bytes.
 * Results of up to 4,096 points are views into a shared 256 KiB slab: a
 * caller that keeps a small result for long should copy it (`slice()`), or
 * it keeps the slab alive. Throws ChunkCorruptError.
 */
export function decodeChunk(
  chunk: Uint8Array,
  verifyChecksum = true,
): { timestamps: Float64Array; values: Float64Array } {
  const n = checkChunk(chunk, verifyChecksum);
  const { timestamps, values } = allocPoints(n);
  if (n === 0) return { timestamps, values };
  const bodyEnd = chunk.length - CHUNK_TRAILER_BYTES;
  if (chunk[0] === CHUNK_VERSION)
    decodeXorStream(chunk, CHUNK_HEADER_BYTES, bodyEnd, n, timestamps, values);
  else decodePackedBody(chunk, bodyEnd, n, timestamps, values);
  return { timestamps, values };
}

/**
 * Decode every point of a chunk of either version into caller-owned arrays
 * (from index 0; each needs room for the chunk's count, at most 8,192), so a
 * loop over many chunks allocates nothing. Returns the point count. Throws
 * ChunkCorruptError, or InvalidInputError when the arrays are too short.
 */
export function decodeChunkInto(
  chunk: Uint8Array,
  timestamps: Float64Array,
  values: Float64Array,
  verifyChecksum = true,
): number {
  const n = checkChunk(chunk, verifyChecksum);
  if (timestamps.length < n || values.length < n) {
    throw new InvalidInputError(
      CHUNKENC_ERROR_CODES.badRange,
      `arrays of ${timestamps.length} and ${values.length} cannot hold ${n} points`,
    );
  }
  if (n === 0) return 0;
  const bodyEnd = chunk.length - CHUNK_TRAILER_BYTES;
  if (chunk[0] === CHUNK_VERSION)
    decodeXorStream(chunk, CHUNK_HEADER_BYTES, bodyEnd, n, timestamps, values);
  else decodePackedBody(chunk, bodyEnd, n, timestamps, values);
  return n;
}

/**
 * Decodes a chunk of either version into caller-owned arrays for a reader that needs only
 * some points: `pick` gets the decoded timestamps (and the values, or null when they are not
 * decoded yet) and writes the indexes it needs, ascending, into `keep`, returning how many.
 * Only the values at those indexes are guaranteed in `values` (a packed chunk with offset
 * values decodes just those; packed values are decimals, never NaN). Returns pick's count.
 * Throws ChunkCorruptError, or InvalidInputError when the arrays are too short.
 */
export function decodeChunkPicked(
  chunk: Uint8Array,
  timestamps: Float64Array,
  values: Float64Array,
  keep: Uint32Array,
  pick: (ts: Float64Array, vs: Float64Array | null, n: number, keep: Uint32Array) => number,
  verifyChecksum = true,
): number {
  if (chunk.length > 0 && chunk[0] !== CHUNK_VERSION) {
    const n = checkChunk(chunk, verifyChecksum);
    if (timestamps.length < n || values.length < n) {
      throw new InvalidInputError(
        CHUNKENC_ERROR_CODES.badRange,
        `arrays of ${timestamps.length} and ${values.length} cannot hold ${n} points`,
      );
    }
    if (n === 0) return 0;
    return decodePackedPicked(
      chunk,
      chunk.length - CHUNK_TRAILER_BYTES,
      n,
      timestamps,
      values,
      keep,
      (ts, m, k) => pick(ts, null, m, k),
    );
  }
  const n = decodeChunkInto(chunk, timestamps, values, verifyChecksum);
  return n === 0 ? 0 : pick(timestamps, values, n, keep);
}

/** Results of decodeChunk are carved from shared slabs of this size (one allocation for many chunks). */
const SLAB_BYTES = 256 * 1024;
let slab = new ArrayBuffer(0);
let slabUsed = 0;

/**
 * Two zeroed Float64Arrays of n elements. Small ones are views into a shared
 * slab (so their `.buffer` is shared: use byteOffset/byteLength, as for any
 * view); a slab is never written again once handed out, only garbage collected.
 */
function allocPoints(n: number): { timestamps: Float64Array; values: Float64Array } {
  const bytes = n * 16;
  if (bytes > SLAB_BYTES / 4)
    return { timestamps: new Float64Array(n), values: new Float64Array(n) };
  if (slabUsed + bytes > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  slabUsed += bytes;
  return {
    timestamps: new Float64Array(slab, at, n),
    values: new Float64Array(slab, at + n * 8, n),
  };
}
