import { CorruptionError, ZtsdbError } from '@ztsdb/errors';
import type { ErrorContext } from '@ztsdb/errors';

/** Stable codes of the errors this library raises: programs match on them, people read the message. */
export const CHUNKENC_ERROR_CODES = {
  chunkCorrupt: 'ZTSDB_CHUNK_CORRUPT',
  chunkFull: 'ZTSDB_CHUNK_FULL',
  badRange: 'ZTSDB_BAD_RANGE',
  badTimestamp: 'ZTSDB_BAD_TIMESTAMP',
} as const;

/**
 * Chunk bytes that fail a structural or checksum check: bad version, a count
 * the bits do not back, truncated or trailing bits, an impossible bit field.
 * `context.offset` is the byte offset in the chunk and, where known,
 * `context.bitOffset` the bit offset inside the chunk's bit stream.
 */
export class ChunkCorruptError extends CorruptionError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(CHUNKENC_ERROR_CODES.chunkCorrupt, message, context, options);
  }
}

/** An append past MAX_CHUNK_POINTS; the caller must seal the chunk and start a new one. */
export class ChunkFullError extends ZtsdbError {
  constructor(message: string, context: ErrorContext = {}) {
    super(CHUNKENC_ERROR_CODES.chunkFull, message, context);
  }
}
