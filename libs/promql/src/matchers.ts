/**
 * Label matchers. Regular expressions run on re2js (linear time, no backtracking), anchored at
 * both ends and with `.` matching newlines, as Prometheus does; JavaScript's RegExp never sees
 * user input.
 */
import { RE2JS } from 're2js';
import { PromQLParseError } from './errors';
import type { Labels } from './labels';
import { getLabel } from './labels';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
  /** Tests one label value (an absent label has the value ""). */
  matches(value: string): boolean;
}

/** Compiles a Prometheus regular expression: whole-string match, `(?s)` semantics. */
export function compileRegex(pattern: string): RE2JS {
  try {
    return RE2JS.compile(`^(?s:${pattern})$`);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new PromQLParseError(`invalid regular expression ${JSON.stringify(pattern)}: ${msg}`);
  }
}

export function newMatcher(type: MatchType, name: string, value: string): LabelMatcher {
  switch (type) {
    case '=':
      return { name, type, value, matches: (v) => v === value };
    case '!=':
      return { name, type, value, matches: (v) => v !== value };
    case '=~': {
      const re = compileRegex(value);
      return { name, type, value, matches: (v) => re.matches(v) };
    }
    case '!~': {
      const re = compileRegex(value);
      return { name, type, value, matches: (v) => !re.matches(v) };
    }
  }
}

export function matchesAll(labels: Labels, matchers: readonly LabelMatcher[]): boolean {
  for (const m of matchers) if (!m.matches(getLabel(labels, m.name))) return false;
  return true;
}

export function formatMatcher(m: LabelMatcher): string {
  return `${m.name}${m.type}${JSON.stringify(m.value)}`;
}
