import { CorruptionError, ZtsdbError } from '@ztsdb/errors';
import type { ErrorContext } from '@ztsdb/errors';

/** A sample older than its series' newest timestamp minus the out-of-order window. */
export class OutOfOrderError extends ZtsdbError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ZTSDB_OUT_OF_ORDER', message, context);
  }
}

// Every error code of libs/tsdb, in one place. The code names are stable (operators and tests
// match on them); messages may change. Codes for bad arguments (ZTSDB_BAD_*) are raised as
// @ztsdb/errors InvalidInputError.

/**
 * A WAL entry or a head snapshot that fails its decode, length or CRC-32C check.
 * `context.file` is the LMDB file, `context.key` the entry (stream sequence, or the record name).
 */
export class WalCorruptError extends CorruptionError {
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super('ZTSDB_WAL_CORRUPT', message, context, options);
  }
}

/** A WAL write that did not commit; `message` carries the system error (ENOSPC, EIO…) and the file. */
export class WalWriteError extends ZtsdbError {
  constructor(file: string, cause: unknown) {
    const c = cause as { message?: string; code?: unknown };
    const code = c?.code !== undefined ? ` (code ${String(c.code)})` : '';
    super('ZTSDB_WAL_WRITE_FAILED', `${c?.message ?? String(cause)}${code}`, { file }, { cause });
  }
}

/**
 * A data dir whose LMDB environment holds a WAL in a format this version no longer reads
 * (the embedded engine's record WAL before version 2 of docs/format/wal.md).
 */
export class WalFormatError extends ZtsdbError {
  constructor(message: string, context: ErrorContext = {}) {
    super('ZTSDB_WAL_OLD_FORMAT', message, context);
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

/** A warm or cold file the catalog lists that cannot be opened at all (missing, unreadable). */
export class FileUnreadableError extends ZtsdbError {
  constructor(file: string, cause: unknown) {
    super('ZTSDB_FILE_UNREADABLE', `${file}: ${String(cause)}`, { file }, { cause });
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
