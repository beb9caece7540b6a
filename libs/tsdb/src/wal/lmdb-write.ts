import { WalWriteError } from '../errors';

/**
 * The outcome of an lmdb-js write, safe to drop. lmdb-js rejects every write of
 * a failed transaction with "Commit failed" and rejects a second promise,
 * `commitError`, with the system error; left unobserved, either rejection ends
 * the process. This observes both, and rejects with a WalWriteError naming the
 * system error and `file` for whoever awaits the result.
 */
export function observed<T>(write: Promise<T>, file: string): Promise<T> {
  const out = write.then(
    (v) => v,
    async (e: unknown) => {
      const commitError = (e as { commitError?: Promise<unknown> } | undefined)?.commitError;
      // commitError settles in the same callback as the failure; the timer only guards against a promise that never does.
      let timer: NodeJS.Timeout | undefined;
      const cause = commitError
        ? await Promise.race([
            commitError.then(
              () => e,
              (c: unknown) => c,
            ),
            new Promise((r) => (timer = setTimeout(() => r(e), 1000))),
          ])
        : e;
      clearTimeout(timer);
      throw new WalWriteError(file, cause);
    },
  );
  out.catch(() => undefined);
  return out;
}

/** A rejection lmdb-js made for a failed commit ("Commit failed", with `commitError`). */
function isLmdbCommitFailure(reason: unknown): reason is Error & { commitError: Promise<unknown> } {
  return (
    reason instanceof Error &&
    /^Commit failed/.test(reason.message) &&
    typeof (reason as { commitError?: { then?: unknown } }).commitError?.then === 'function'
  );
}

let guarded = false;

/**
 * Set (true) on a rejection dropped here, so another `unhandledRejection`
 * listener (the ztsdb launcher's, which ends the process) can tell it was
 * dealt with; a registry symbol, so the launcher need not load this library.
 */
const DROPPED_REJECTION = Symbol.for('ztsdb.droppedRejection');

/**
 * lmdb-js starts each event-turn batch with a write of its own whose promise
 * it keeps to itself; when that transaction fails (a full disk), the promise
 * is rejected with nobody to observe it, and Node ends the process. Every
 * write of ours is observed (`observed`), so such a rejection says nothing
 * new: it is dropped here. Any other unhandled rejection is thrown again as
 * an uncaught exception, which is what Node does without this listener.
 */
export function dropLmdbInternalRejections(): void {
  if (guarded) return;
  guarded = true;
  // First in line, to mark the rejection before any other listener sees it.
  process.prependListener('unhandledRejection', (reason) => {
    if (!isLmdbCommitFailure(reason)) throw reason;
    (reason as unknown as Record<symbol, unknown>)[DROPPED_REJECTION] = true;
    reason.commitError.catch(() => undefined);
  });
}
