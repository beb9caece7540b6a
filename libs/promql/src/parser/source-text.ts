/**
 * Helpers on the raw query text: numbers with a trailing dot the grammar lacks, and what to
 * say when the grammar stops (which bracket is open, what the construct expected).
 */
import type { SyntaxNode } from '@lezer/common';

/**
 * The lezer grammar has no numbers like `2.` (Prometheus accepts them): outside strings and
 * comments such a dot becomes a space, which keeps every position unchanged.
 */
export function fixTrailingDots(input: string): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quote) {
      if (c === '\\' && quote !== '`') {
        out += c + (input[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === quote) quote = '';
      out += c;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    if (c === '#') {
      const nl = input.indexOf('\n', i);
      const end = nl < 0 ? input.length : nl;
      out += input.slice(i, end);
      i = end - 1;
      continue;
    }
    if (c === '.' && /\d/.test(input[i - 1] ?? '') && !/[\d]/.test(input[i + 1] ?? '')) {
      let j = i - 1;
      while (j >= 0 && /[\d_]/.test(input[j]!)) j--;
      if (j < 0 || !/[\w:.]/.test(input[j]!)) {
        out += ' ';
        continue;
      }
    }
    out += c;
  }
  return out;
}

const EXPECTED: Record<string, string> = {
  BinaryExpr: 'an expression',
  UnaryExpr: 'an expression',
  ParenExpr: 'an expression',
  FunctionCallBody: 'an expression or ")"',
  AggregateExpr: 'an aggregation body "(...)"',
  LabelMatchers: 'a label matcher like name="value"',
  UnquotedLabelMatcher: 'a label matching operator and a quoted value',
  QuotedLabelMatcher: 'a label matching operator and a quoted value',
  GroupingLabels: 'a label name',
  MatrixSelector: 'a duration',
  SubqueryExpr: 'a duration',
  DurationExpr: 'a duration',
  OffsetExpr: 'a duration',
  StepInvariantExpr: 'a timestamp, start() or end()',
};

export function expectation(parent: SyntaxNode | null): string {
  const want = parent ? EXPECTED[parent.name] : undefined;
  return want ? `, expected ${want}` : '';
}

/** The first bracket left open at the end of the text, outside strings. */
export function unclosed(src: string): { at: number; what: string } | undefined {
  const stack: { at: number; c: string }[] = [];
  let quote = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') stack.push({ at: i, c });
    else if (c === ')' || c === ']' || c === '}') stack.pop();
  }
  const top = stack[stack.length - 1];
  if (!top) return undefined;
  const what = top.c === '(' ? 'parenthesis' : top.c === '[' ? 'bracket' : 'brace';
  return { at: src.length, what };
}
