import { InvalidInputError } from '@ztsdb/errors';
import type { Labels } from '@ztsdb/model';
import { compileGlob, isGlob, type StringMatcher } from './glob-matcher';
import { compileLabelRegex } from './label-regex';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
  /** For =~ and !~: RE2, anchored like Prometheus (label-regex.ts). */
  re?: StringMatcher;
}

/**
 * Which series a query means:
 * - `name`: one exact series name (`container.cpu.usage.abc123def456`);
 * - `glob`: series names by glob (`container.cpu.*`, `*.abc123def456`);
 * - `matchers`: a Prometheus-style selector (`container_cpu_usage{container_name="web-1"}`,
 *   `{__name__=~"container_net_.*", image!="redis"}`); a bare metric name such as
 *   `container_cpu_usage` or `container.cpu.usage` is `{__name__="container_cpu_usage"}`.
 */
export type SeriesSelector =
  | { kind: 'name'; name: string }
  | { kind: 'glob'; glob: string; re: StringMatcher }
  | { kind: 'matchers'; matchers: LabelMatcher[] };

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:.]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function bad(param: string, text: string, why: string): InvalidInputError {
  return new InvalidInputError(
    'ZTSDB_BAD_PARAM',
    `parameter "${param}": ${why} in ${JSON.stringify(text)}; write e.g. container_cpu_usage{container_name="web-1"} or a glob like container.cpu.*`,
    {
      param,
    },
  );
}

/** Parses `match` / `match[]` text: a selector when it has `{` or is a bare metric name, a glob otherwise. */
export function parseSelector(text: string, param = 'match'): SeriesSelector {
  const t = text.trim();
  if (t.length === 0) throw bad(param, text, 'empty selector');
  if (!t.includes('{')) {
    if (isGlob(t)) return { kind: 'glob', glob: t, re: compileGlob(t) };
    if (METRIC.test(t) && !/\.[0-9a-f]{12}$/.test(t))
      return {
        kind: 'matchers',
        matchers: [{ label: '__name__', op: '=', value: t.replace(/\./g, '_') }],
      };
    return { kind: 'name', name: t };
  }
  const open = t.indexOf('{');
  if (!t.endsWith('}')) throw bad(param, text, 'missing closing "}"');
  const metric = t.slice(0, open).trim();
  const matchers: LabelMatcher[] = [];
  if (metric) {
    if (!METRIC.test(metric)) throw bad(param, text, `bad metric name ${JSON.stringify(metric)}`);
    matchers.push({ label: '__name__', op: '=', value: metric.replace(/\./g, '_') });
  }
  const body = t.slice(open + 1, -1);
  let i = 0;
  const skipWs = (): void => {
    while (i < body.length && /\s/.test(body[i]!)) i++;
  };
  while (true) {
    skipWs();
    if (i >= body.length) break;
    const lm = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(body.slice(i));
    if (!lm) throw bad(param, text, `expected a label name at position ${open + 1 + i}`);
    const label = lm[0];
    i += label.length;
    skipWs();
    const om = /^(=~|!~|!=|=)/.exec(body.slice(i));
    if (!om) throw bad(param, text, `expected =, !=, =~ or !~ after ${label}`);
    const op = om[0] as MatchOp;
    i += op.length;
    skipWs();
    const q = body[i];
    if (q !== '"' && q !== "'")
      throw bad(param, text, `expected a quoted value after ${label}${op}`);
    i++;
    let value = '';
    while (i < body.length && body[i] !== q) {
      if (body[i] === '\\' && i + 1 < body.length) {
        const n = body[i + 1]!;
        value += n === 'n' ? '\n' : n;
        i += 2;
      } else value += body[i++]!;
    }
    if (i >= body.length) throw bad(param, text, `unterminated value of ${label}`);
    i++;
    if (!LABEL.test(label)) throw bad(param, text, `bad label name ${label}`);
    const m: LabelMatcher = { label, op, value };
    if (op === '=~' || op === '!~') {
      try {
        m.re = compileLabelRegex(value);
      } catch (e) {
        throw bad(param, text, `bad regular expression for ${label}: ${(e as Error).message}`);
      }
    }
    matchers.push(m);
    skipWs();
    if (body[i] === ',') i++;
    else if (i < body.length)
      throw bad(param, text, `expected "," or "}" at position ${open + 1 + i}`);
  }
  if (matchers.length === 0)
    throw bad(param, text, 'a selector needs a metric name or at least one label matcher');
  if (
    matchers.every(
      (m) =>
        (m.op === '=' && m.value === '') ||
        m.op === '!=' ||
        m.op === '!~' ||
        (m.re !== undefined && m.re.test('')),
    )
  ) {
    throw bad(
      param,
      text,
      'a selector needs at least one matcher that does not match the empty label',
    );
  }
  return { kind: 'matchers', matchers };
}

/** Whether a series' labels satisfy every matcher (an absent label is the empty string). */
export function labelsMatch(labels: Labels, matchers: readonly LabelMatcher[]): boolean {
  for (const m of matchers) {
    const v = labels[m.label] ?? '';
    switch (m.op) {
      case '=':
        if (v !== m.value) return false;
        break;
      case '!=':
        if (v === m.value) return false;
        break;
      case '=~':
        if (!m.re!.test(v)) return false;
        break;
      case '!~':
        if (m.re!.test(v)) return false;
        break;
    }
  }
  return true;
}
