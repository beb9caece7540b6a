import { InvalidInputError } from '@ztsdb/errors';
import { checkParamTypes, QUERY_PARAM_KINDS } from './param-types';
import { AGG_FUNCTIONS } from './step-aggregate';

// The parameters' rules are data checked here rather than class-validator decorators: the
// query service would load class-validator (with validator.js and libphonenumber-js, about 320
// modules and 14 MiB of RSS) for these few length and value checks. Types are checked before
// (param-types.ts); the messages are the ones the decorators gave.

/**
 * Parameters of `GET /query` and of `ztsdb.query` requests:
 * `series` (one exact name) or `match` / `match[]` (selectors or globs, repeatable),
 * `start`, `end`, and optionally `step`, `agg`, `by`, `lookback`.
 */
export interface QueryParamsDto {
  series?: string;
  match?: string | string[];
  start?: string;
  end?: string;
  step?: string;
  agg?: string;
  by?: string;
  lookback?: string;
}

/** Parameters of `GET /series` and of `ztsdb.query` requests with `match` and no range. */
export interface SeriesParamsDto {
  match?: string;
}

/** What a present parameter's text (each text of a list) must be; null and absent pass. */
export interface ParamRule {
  /** Longest text, in characters as validator.js counts them, and what to say past it. */
  maxLength?: [number, string];
  /** What to say of an empty text; empty texts pass without it. */
  empty?: string;
  /** The only texts allowed, and what to say of another. */
  oneOf?: [readonly string[], string];
}

/** The rules of a parameter object's keys, in the order problems are reported. */
export type ParamRules<T> = { readonly [K in keyof Required<T>]: ParamRule };

export const QUERY_PARAM_RULES: ParamRules<QueryParamsDto> = {
  series: {
    empty: 'parameter "series" is required, e.g. series=container.cpu.usage.abc123def456',
    maxLength: [512, 'parameter "series" is longer than 512 characters'],
  },
  match: { maxLength: [1024, 'parameter "match" is longer than 1024 characters'] },
  start: { maxLength: [64, 'parameter "start" is too long'] },
  end: { maxLength: [64, 'parameter "end" is too long'] },
  step: { maxLength: [32, 'parameter "step" is too long'] },
  agg: { oneOf: [AGG_FUNCTIONS, `parameter "agg" must be one of ${AGG_FUNCTIONS.join(', ')}`] },
  by: { maxLength: [512, 'parameter "by" is too long'] },
  lookback: { maxLength: [32, 'parameter "lookback" is too long'] },
};

export const SERIES_PARAM_RULES: ParamRules<SeriesParamsDto> = {
  match: { maxLength: [512, 'parameter "match" is longer than 512 characters'] },
};

/**
 * Checks each parameter's type (param-types.ts), then accepts `match[]` (as
 * Prometheus clients send it) as `match` and numbers as strings (NATS JSON).
 */
export function normalizeParams(input: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = { ...checkParamTypes(input, QUERY_PARAM_KINDS) };
  if (o['match[]'] !== undefined) {
    const extra = o['match[]'];
    const prev = o.match === undefined ? [] : Array.isArray(o.match) ? o.match : [o.match];
    o.match = [...prev, ...(Array.isArray(extra) ? extra : [extra])];
    delete o['match[]'];
  }
  for (const k of ['start', 'end', 'step', 'lookback'])
    if (typeof o[k] === 'number') o[k] = String(o[k]);
  return o;
}

/**
 * Length as validator.js's isLength counts it (what MaxLength checked): a surrogate pair and a
 * variation selector are not characters of their own.
 */
function textLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0xfe0e || c === 0xfe0f) n--;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** What is wrong with one parameter's value (a text or a list of them), in the rule's order. */
function problemsOf(rule: ParamRule, value: unknown): string[] {
  const texts = (Array.isArray(value) ? value : [value]) as string[];
  const out: string[] = [];
  if (rule.empty !== undefined && texts.some((t) => t === '')) out.push(rule.empty);
  if (rule.maxLength && texts.some((t) => textLength(t) > rule.maxLength![0]))
    out.push(rule.maxLength[1]);
  if (rule.oneOf && texts.some((t) => !rule.oneOf![0].includes(t))) out.push(rule.oneOf[1]);
  return out;
}

/**
 * Checks untrusted parameters (their types already checked) against their rules and keeps
 * only the known ones, or throws InvalidInputError naming every parameter at fault.
 */
export function validateParams<T extends object>(rules: ParamRules<T>, input: unknown): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidInputError('ZTSDB_BAD_PARAM', 'parameters must be an object');
  }
  const given = input as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const messages: string[] = [];
  const params: string[] = [];
  for (const [key, rule] of Object.entries(rules) as [string, ParamRule][]) {
    const v = given[key];
    if (v === undefined || v === null) continue;
    out[key] = v;
    const problems = problemsOf(rule, v);
    if (problems.length === 0) continue;
    messages.push(...problems);
    params.push(key);
  }
  if (messages.length > 0)
    throw new InvalidInputError('ZTSDB_BAD_PARAM', messages.join('; '), { params });
  return out as T;
}
