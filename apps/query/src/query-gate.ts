import { ZtsdbError } from '@ztsdb/errors';
import type { QueryClock } from './query-clock';

function busy(message: string): ZtsdbError {
  return new ZtsdbError('ZTSDB_BUSY', message);
}

/**
 * At most `maxRunning` queries at once (ZTSDB_QUERY_MAX_CONCURRENT) and a
 * short line of `maxQueued` waiting (ZTSDB_QUERY_MAX_QUEUED); a query past
 * both, or one whose deadline comes while it waits, is turned away with
 * ZTSDB_BUSY (503, Retry-After on HTTP) instead of holding memory it would
 * only use later.
 */
export class QueryGate {
  private running = 0;
  private readonly line: Array<{ go: () => void }> = [];

  constructor(
    readonly maxRunning: number,
    readonly maxQueued: number,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.line.length;
  }

  /** Resolves with `release` (call it exactly once when the query ends) once the query may run. */
  enter(clock: QueryClock): Promise<() => void> {
    if (this.running < this.maxRunning && this.line.length === 0)
      return Promise.resolve(this.slot());
    if (this.line.length >= this.maxQueued) {
      return Promise.reject(
        busy(
          `${this.running} queries running and ${this.line.length} waiting (ZTSDB_QUERY_MAX_CONCURRENT=${this.maxRunning}, ZTSDB_QUERY_MAX_QUEUED=${this.maxQueued}); try again shortly`,
        ),
      );
    }
    return new Promise<() => void>((resolve, reject) => {
      const waiter = {
        go: () => {
          clearTimeout(timer);
          resolve(this.slot());
        },
      };
      const timer = setTimeout(
        () => {
          const i = this.line.indexOf(waiter);
          if (i >= 0) this.line.splice(i, 1);
          reject(
            busy(
              `no query slot came free within ZTSDB_QUERY_TIMEOUT_MS=${clock.timeoutMs} (ZTSDB_QUERY_MAX_CONCURRENT=${this.maxRunning}); try again shortly`,
            ),
          );
        },
        Math.max(0, clock.deadline - Date.now()),
      );
      this.line.push(waiter);
    });
  }

  private slot(): () => void {
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const next = this.line.shift();
      if (next) next.go();
    };
  }
}
