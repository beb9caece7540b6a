import { CorruptionError, ZtsdbError } from '@ztsdb/errors';
import type { ErrorContext } from '@ztsdb/errors';

/** A sample older than its series' newest timestamp minus the out-of-order window. */
export class OutOfOrderError extends ZtsdbError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ZTSDB_OUT_OF_ORDER', message, context);
  }
}

/** A WAL record that fails its version, length or CRC-32C check. `context.key` is its sequence. */
export class WalCorruptError extends CorruptionError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('ZTSDB_WAL_CORRUPT', message, context, options);
  }
}

/** A warm segment file (or one chunk in it) that fails a structural or checksum check. */
export class WarmCorruptError extends CorruptionError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('ZTSDB_WARM_CORRUPT', message, context, options);
  }
}

/** A cold columnar file (or one block in it) that fails a structural or checksum check. */
export class ColdCorruptError extends CorruptionError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('ZTSDB_COLD_CORRUPT', message, context, options);
  }
}

/** An LMDB entry of the chunk index, checkpoint or catalog that fails its check. */
export class IndexCorruptError extends CorruptionError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('ZTSDB_INDEX_CORRUPT', message, context, options);
  }
}

/** The engine or one of its parts was used after close(). */
export class ClosedError extends ZtsdbError {
  constructor(what: string) {
    super('ZTSDB_CLOSED', `${what} is closed`);
  }
}

/**
 * Receives what a reader skipped (a damaged chunk, block, record or file) so
 * the caller can see it while the rest is served.
 */
export type SkipSink = (err: ZtsdbError) => void;

/** Keeps the most recent skipped-data reports, bounded. */
export class Warnings {
  private readonly items: ZtsdbError[] = [];
  total = 0;

  constructor(private readonly limit = 1000) {}

  readonly sink: SkipSink = (err) => {
    this.total++;
    this.items.push(err);
    if (this.items.length > this.limit) this.items.shift();
  };

  list(): readonly ZtsdbError[] {
    return this.items;
  }

  clear(): void {
    this.items.length = 0;
    this.total = 0;
  }
}
