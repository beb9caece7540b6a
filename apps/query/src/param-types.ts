import { InvalidInputError } from '@ztsdb/errors';

/**
 * What a parameter may be before its value is looked at: `text` a string;
 * `texts` a string or a non-empty list of strings (repeatable parameters);
 * `time` a string or a finite number (NATS JSON may send 1700000000000 or 60000).
 */
export type ParamKind = 'text' | 'texts' | 'time';

/** Parameters of `/query` and of ranged `ztsdb.query` requests, with an example of each. */
export const QUERY_PARAM_KINDS: Readonly<Record<string, [ParamKind, string]>> = {
  series: ['text', 'a series name like container.cpu.usage.abc123def456'],
  match: ['texts', 'a selector like container_cpu_usage{container_name="web-1"} or a glob'],
  'match[]': ['texts', 'a selector like container_cpu_usage{container_name="web-1"} or a glob'],
  start: ['time', 'a time like -1h, now, RFC 3339 or epoch milliseconds'],
  end: ['time', 'a time like -1h, now, RFC 3339 or epoch milliseconds'],
  step: ['time', 'a duration like 60s'],
  lookback: ['time', 'a duration like 5m'],
  agg: ['text', 'one of sum, avg, min, max, count'],
  by: ['text', 'label names separated by commas'],
};

/** Parameters of `/series` and of `ztsdb.query` requests that list series. */
export const SERIES_PARAM_KINDS: Readonly<Record<string, [ParamKind, string]>> = {
  match: ['text', 'a glob like container.cpu.* or a selector'],
};

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : `a list of ${v.length}`;
  if (typeof v === 'number') return Number.isFinite(v) ? `the number ${v}` : String(v);
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

function fits(kind: ParamKind, v: unknown): boolean {
  if (typeof v === 'string') return true;
  if (kind === 'time') return typeof v === 'number' && Number.isFinite(v);
  if (kind === 'texts')
    return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
  return false;
}

/**
 * Checks the type of every known parameter present (absent is fine; null is
 * not), so later code meets only the types it expects; throws
 * ZTSDB_BAD_PARAM naming the first parameter that is not.
 */
export function checkParamTypes(
  input: unknown,
  kinds: Readonly<Record<string, [ParamKind, string]>>,
): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new InvalidInputError(
      'ZTSDB_BAD_PARAM',
      `parameters must be an object; got ${describe(input)}`,
    );
  const o = input as Record<string, unknown>;
  for (const [key, [kind, example]] of Object.entries(kinds)) {
    if (!Object.prototype.hasOwnProperty.call(o, key) || o[key] === undefined) continue;
    const v = o[key];
    if (fits(kind, v)) continue;
    const want =
      kind === 'texts'
        ? 'a string or a list of strings'
        : kind === 'time'
          ? 'a string or a number'
          : 'one string';
    throw new InvalidInputError(
      'ZTSDB_BAD_PARAM',
      `parameter "${key}" must be ${want} (${example}); got ${describe(v)}`,
      { param: key },
    );
  }
  return o;
}
