import { LimitExceededError } from '@ztsdb/errors';

/** Bytes a point takes in memory: a float64 timestamp and a float64 value. */
export const POINT_BYTES = 16;

/**
 * The memory one query may hold (ZTSDB_QUERY_MAX_BYTES): its points, counted
 * as they are loaded from hot data and files (16 bytes each), and its JSON
 * answer. Past it the query stops with ZTSDB_LIMIT (422) instead of growing
 * the process.
 */
export class QueryBudget {
  private held = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes still free. */
  get remaining(): number {
    return Math.max(0, this.maxBytes - this.held);
  }

  /** Counts bytes kept until the query ends. */
  hold(bytes: number, what: string): void {
    this.peek(bytes, what);
    this.held += bytes;
  }

  /** Whether `bytes` more fit now (peek without naming what, for a check made per series). */
  fits(bytes: number): boolean {
    return this.held + bytes <= this.maxBytes;
  }

  /** Checks that bytes held for a moment (one series being merged) also fit. */
  peek(bytes: number, what: string): void {
    if (this.held + bytes > this.maxBytes) throw this.exceeded(what);
  }

  exceeded(what: string): LimitExceededError {
    return new LimitExceededError(
      'ZTSDB_LIMIT',
      `the query would hold more than ZTSDB_QUERY_MAX_BYTES=${this.maxBytes} bytes (${what}); narrow the range, match fewer series or use a larger step`,
    );
  }
}
