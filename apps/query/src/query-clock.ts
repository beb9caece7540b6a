import { ZtsdbError } from '@ztsdb/errors';

/** Longest stretch of synchronous query work between two turns of the event loop. */
export const QUERY_SLICE_MS = 10;

/**
 * A query's deadline, and its manners: long synchronous work (matching the
 * registry, reading and merging series) asks `due()` often, and when it says
 * so, awaits `pause()`, which lets the event loop run (/healthz, leases,
 * other queries) before going on. Past the deadline both throw ZTSDB_TIMEOUT,
 * so a query stops working when its time is up, not only its answer.
 */
export class QueryClock {
  private last = Date.now();
  readonly deadline: number;

  constructor(readonly timeoutMs: number) {
    this.deadline = Date.now() + timeoutMs;
  }

  /** Throws ZTSDB_TIMEOUT past the deadline. */
  check(): void {
    if (Date.now() > this.deadline) throw this.timeout();
  }

  /** True when the work has run for a slice and should `pause()`; throws past the deadline. */
  due(): boolean {
    const now = Date.now();
    if (now > this.deadline) throw this.timeout();
    return now - this.last >= QUERY_SLICE_MS;
  }

  /** Lets the event loop run once; throws past the deadline. */
  async pause(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    this.last = Date.now();
    this.check();
  }

  timeout(): ZtsdbError {
    return new ZtsdbError(
      'ZTSDB_TIMEOUT',
      `query took longer than ZTSDB_QUERY_TIMEOUT_MS=${this.timeoutMs}`,
    );
  }
}
