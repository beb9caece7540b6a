import type { ZtsdbError } from '@ztsdb/errors';

/** The part of a logger the source selection uses (Nest's Logger fits). */
export interface SourceLog {
  log(message: string): void;
  warn(message: string): void;
}

/** How long the same problem stays quiet after it was logged. */
const QUIET_MS = 60_000;
/** Distinct problems remembered (oldest forgotten first). */
const MAX_REMEMBERED = 1000;

/**
 * onError of the kernel sources: logs each distinct problem (code + message) once a
 * minute at most, so a file that fails on every tick does not flood the log.
 */
export function sourceErrorLogger(
  log: Pick<SourceLog, 'warn'>,
  now: () => number = Date.now,
): (err: ZtsdbError) => void {
  const last = new Map<string, number>();
  return (err) => {
    const key = `${err.code} ${err.message}`;
    const t = now();
    const before = last.get(key);
    if (before !== undefined && t - before < QUIET_MS) return;
    last.delete(key);
    last.set(key, t);
    if (last.size > MAX_REMEMBERED) last.delete(last.keys().next().value!);
    log.warn(`${err.code}: ${err.message}`);
  };
}
