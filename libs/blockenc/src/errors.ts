import { CorruptionError } from '@ztsdb/errors';
import type { ErrorContext } from '@ztsdb/errors';

/**
 * Block bytes that cannot be decoded: unknown tag, a count above the cap or
 * not backed by the bytes, a truncated or overlong payload, failed
 * decompression. `context.offset` is the byte offset inside the block.
 */
export class BlockCorruptError extends CorruptionError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('ZTSDB_BLOCK_CORRUPT', message, context, options);
  }
}
