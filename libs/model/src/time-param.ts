import { InvalidInputError } from '@ztsdb/errors';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const RELATIVE = /^-(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
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
  const rel = RELATIVE.exec(text);
  if (rel) return Math.round(nowMs - Number(rel[1]) * UNITS[rel[2]!]!);
  if (EPOCH_MS.test(text)) return Number(text);
  if (RFC3339.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new InvalidInputError(
    'ZTSDB_BAD_PARAM',
    `parameter "${name}" must be epoch milliseconds, RFC 3339 (2026-01-02T15:04:05Z), "now" or relative like -5m; got ${JSON.stringify(raw)}`,
    { param: name },
  );
}
