import { parseDurationMs } from '@ztsdb/promql';
import { PromBadDataError } from './prom-errors';

/** The parameters of one request: query string and form body together, as Go's r.Form. */
export class PromParams {
  constructor(private readonly values: Map<string, string[]>) {}

  /** From `a=1&b=2` texts (query string first, then a form body); repeated names keep every value. */
  static parse(...texts: string[]): PromParams {
    const values = new Map<string, string[]>();
    for (const text of texts) {
      for (const [k, v] of new URLSearchParams(text)) {
        const l = values.get(k);
        if (l) l.push(v);
        else values.set(k, [v]);
      }
    }
    return new PromParams(values);
  }

  /** From a JSON object (the NATS request): strings and numbers, arrays for repeated names. */
  static fromObject(o: Record<string, unknown>): PromParams {
    const values = new Map<string, string[]>();
    for (const [k, v] of Object.entries(o)) {
      const list = Array.isArray(v) ? v : [v];
      const texts = list.filter((x) => typeof x === 'string' || typeof x === 'number').map(String);
      if (texts.length > 0) values.set(k, texts);
    }
    return new PromParams(values);
  }

  /** The first value, or '' (Go's FormValue). */
  get(name: string): string {
    return this.values.get(name)?.[0] ?? '';
  }

  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.values.has(name);
  }
}

const invalid = (param: string, why: string): PromBadDataError =>
  new PromBadDataError(`invalid parameter ${JSON.stringify(param)}: ${why}`);

/** A time as Prometheus takes it: Unix seconds (fractions to the millisecond) or RFC 3339. */
export function parseTimeMs(text: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim())) {
    const secs = Number(text);
    const whole = Math.trunc(secs);
    return whole * 1000 + Math.round((secs - whole) * 1000);
  }
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** A time parameter, or `fallback` when it is absent. */
export function timeParam(p: PromParams, name: string, fallback: number): number {
  const text = p.get(name);
  if (text === '') return fallback;
  const ms = parseTimeMs(text);
  if (ms === undefined)
    throw invalid(name, `cannot parse ${JSON.stringify(text)} to a valid timestamp`);
  return ms;
}

/** A duration parameter: seconds (fractions allowed) or a Prometheus duration like 1m30s. */
export function durationParam(p: PromParams, name: string): number {
  const text = p.get(name);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim())) return Number(text) * 1000;
  const ms = parseDurationMs(text);
  if (ms === undefined)
    throw invalid(name, `cannot parse ${JSON.stringify(text)} to a valid duration`);
  return ms;
}
