import { JetStreamApiError, JetStreamError } from '@nats-io/jetstream';
import { NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { BUS_ERROR_CODES } from './errors';

/** How long and how often a transient NATS failure is retried. */
export interface RetryPolicy {
  /** Give up once this long has passed since the first attempt (ZTSDB_NATS_RETRY_DEADLINE). */
  deadlineMs: number;
  /** Told of every failed attempt: what failed, why, and when the next one is. */
  log?: (msg: string) => void;
  /** Delay before the second attempt; doubles each time up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Failures this call may also retry, beyond the transient ones every call retries. */
  retryAlso?: (e: unknown) => boolean;
  /**
   * True once the caller is stopping: no further attempt is made (the last failure is thrown
   * at once, also during a wait), so that a service stopping while NATS is away does not wait
   * out the deadline.
   */
  stopped?: () => boolean;
  /** Seams for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export const DEFAULT_RETRY_DEADLINE_MS = 60_000;

/** A transient failure retried until the deadline, then given up with what it was. */
export class RetryDeadlineError extends Error {
  readonly code = BUS_ERROR_CODES.natsRetryDeadline;
  constructor(
    readonly what: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(
      `${what} failed ${attempts} time(s) until the retry deadline: ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
  }
}

/**
 * True for failures that a busy or briefly unreachable server causes and a
 * later attempt may not meet: a request timeout, no responders (JetStream not
 * yet listening), JetStream answering 503 (unavailable) or 408. Looks through
 * `cause` chains, where nats.js wraps them.
 */
export function isTransientNatsError(e: unknown): boolean {
  for (let err = e, depth = 0; err instanceof Error && depth < 5; depth++) {
    if (err instanceof TimeoutError || err instanceof NoRespondersError) return true;
    if (err instanceof RequestError && err.isNoResponders()) return true;
    if (err instanceof JetStreamApiError && err.status === 503) return true;
    if (err instanceof JetStreamError) {
      // JetStreamStatusError (not exported) carries the status code.
      const code = (err as Error & { code?: unknown }).code;
      if (code === 503 || code === 408) return true;
    }
    if (err.name === 'TimeoutError' || err.name === 'NoRespondersError') return true;
    err = err.cause;
  }
  return false;
}

/**
 * Runs `fn`, retrying transient NATS failures with exponential backoff and
 * jitter until `policy.deadlineMs` after the first attempt; each failure is
 * logged with what failed and when the next attempt is. Any other error is
 * thrown as it is, at once; the last transient one as a RetryDeadlineError
 * naming `what`.
 */
export async function withRetry<T>(
  what: string,
  fn: () => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  const now = policy.now ?? Date.now;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = policy.random ?? Math.random;
  const first = policy.firstDelayMs ?? 200;
  const max = policy.maxDelayMs ?? 5000;
  const deadline = now() + policy.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransientNatsError(e) && !policy.retryAlso?.(e)) throw e;
      if (policy.stopped?.()) throw e;
      const base = Math.min(max, first * 2 ** (attempt - 1));
      // Jitter: concurrent starts that failed together do not retry together.
      const delay = Math.round(base / 2 + (random() * base) / 2);
      const next = now() + delay;
      if (next > deadline) throw new RetryDeadlineError(what, attempt, e);
      policy.log?.(
        `${what} failed (attempt ${attempt}: ${(e as Error).message}); retrying in ${delay} ms at ${new Date(next).toISOString()}, until ${new Date(deadline).toISOString()}`,
      );
      if (policy.stopped) await sleepUnlessStopped(sleep, delay, policy.stopped);
      else await sleep(delay);
      if (policy.stopped?.()) throw e;
    }
  }
}

/** Polled at this interval while a retry waits, so that a stop cuts the wait short. */
const STOP_POLL_MS = 100;

async function sleepUnlessStopped(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  stopped: () => boolean,
): Promise<void> {
  for (let left = ms; left > 0 && !stopped(); left -= STOP_POLL_MS)
    await sleep(Math.min(left, STOP_POLL_MS));
}
