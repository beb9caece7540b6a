import { InvalidInputError } from '@ztsdb/errors';
import { parseDurationMs } from './duration';
import { MODEL_ERROR_CODES } from './errors';

const EPOCH_MS = /^-?\d{1,16}$/;
// RFC 3339: date, 'T' or space, time, optional fraction, then Z or an offset.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * A time parameter as users write it: epoch milliseconds, RFC 3339, `now`,
 * or relative to now (`-5m`, `-1h`, `-30s`, `-2d`).
 */
export function parseTimeParam(
  name: string,
  raw: string | undefined,
  fallbackMs: number,
  nowMs: number,
): number {
  if (raw === undefined || raw === '') return fallbackMs;
  const text = raw.trim();
  if (text === 'now') return nowMs;
  const ago = text.startsWith('-')
    ? parseDurationMs(text.slice(1), { fractions: true })
    : undefined;
  if (ago !== undefined) return nowMs - ago;
  if (EPOCH_MS.test(text)) return Number(text);
  if (RFC3339.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new InvalidInputError(
    MODEL_ERROR_CODES.badParam,
    `parameter "${name}" must be epoch milliseconds, RFC 3339 (2026-01-02T15:04:05Z), "now" or relative like -5m; got ${JSON.stringify(raw)}`,
    { param: name },
  );
}
