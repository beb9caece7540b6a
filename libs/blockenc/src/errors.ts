import { CorruptionError } from '@ztsdb/errors';
import type { ErrorContext } from '@ztsdb/errors';

/** Stable codes of the errors this library raises: programs match on them, people read the message. */
export const BLOCKENC_ERROR_CODES = {
  blockCorrupt: 'ZTSDB_BLOCK_CORRUPT',
  blockTooLarge: 'ZTSDB_BLOCK_TOO_LARGE',
  badRange: 'ZTSDB_BAD_RANGE',
  badTimestamp: 'ZTSDB_BAD_TIMESTAMP',
} as const;

/**
 * Block bytes that cannot be decoded: unknown tag, a count above the cap or
 * not backed by the bytes, a truncated or overlong payload, failed
 * decompression. `context.offset` is the byte offset inside the block.
 */
export class BlockCorruptError extends CorruptionError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(BLOCKENC_ERROR_CODES.blockCorrupt, message, context, options);
  }
}
