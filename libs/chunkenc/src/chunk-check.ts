import { crc32c } from '@ztsdb/checksum';
import {
  CHUNK_HEADER_BYTES,
  CHUNK_TRAILER_BYTES,
  CHUNK_VERSION,
  MAX_CHUNK_POINTS,
  MIN_CHUNK_BYTES,
} from './chunk-format';
import { ChunkCorruptError } from './errors';
import { PACKED_CHUNK_VERSION, PACKED_HEADER_BYTES } from './packed-chunk';

/** Bits the first point of a Gorilla chunk takes: a 64-bit timestamp and a 64-bit value. */
const FIRST_POINT_BITS = 128;
/** Fewest bits any later point takes ('0' for the timestamp, '0' for the value). */
const MIN_POINT_BITS = 2;

/**
 * Checks a chunk's version, count, length and (unless `verifyChecksum` is
 * false) CRC-32C; returns the point count. Throws ChunkCorruptError. The one
 * header check: decoding, resuming and iterating a chunk all start here.
 */
export function checkChunk(chunk: Uint8Array, verifyChecksum = true): number {
  const len = chunk.length;
  if (len < MIN_CHUNK_BYTES) {
    throw new ChunkCorruptError(
      `chunk of ${len} bytes is shorter than the ${MIN_CHUNK_BYTES}-byte minimum`,
      { offset: 0, length: len },
    );
  }
  const version = chunk[0]!;
  const n = (chunk[1]! << 8) | chunk[2]!;
  const bodyEnd = len - CHUNK_TRAILER_BYTES;
  if (version === CHUNK_VERSION) {
    const bodyBits = (bodyEnd - CHUNK_HEADER_BYTES) * 8;
    const needBits = n === 0 ? 0 : FIRST_POINT_BITS + (n - 1) * MIN_POINT_BITS;
    if (n > MAX_CHUNK_POINTS || needBits > bodyBits || (n === 0 && bodyBits !== 0)) {
      throw new ChunkCorruptError(`point count ${n} does not fit a ${len}-byte chunk`, {
        offset: 1,
        count: n,
      });
    }
  } else if (version === PACKED_CHUNK_VERSION) {
    if (n === 0 || n > MAX_CHUNK_POINTS || bodyEnd < PACKED_HEADER_BYTES) {
      throw new ChunkCorruptError(`point count ${n} does not fit a ${len}-byte packed chunk`, {
        offset: 1,
        count: n,
      });
    }
  } else {
    throw new ChunkCorruptError(`unknown chunk version ${version}`, { offset: 0 });
  }
  if (verifyChecksum) {
    const stored =
      ((chunk[bodyEnd]! << 24) |
        (chunk[bodyEnd + 1]! << 16) |
        (chunk[bodyEnd + 2]! << 8) |
        chunk[bodyEnd + 3]!) >>>
      0;
    const actual = crc32c(chunk, 0, bodyEnd);
    if (stored !== actual) {
      throw new ChunkCorruptError(
        `chunk checksum mismatch: stored ${stored.toString(16)}, computed ${actual.toString(16)}`,
        { offset: bodyEnd },
      );
    }
  }
  return n;
}
