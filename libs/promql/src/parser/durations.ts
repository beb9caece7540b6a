/**
 * Durations in brackets and after `offset`: a literal (`5m`, or a number of seconds), or, as
 * Prometheus 3 allows, arithmetic over them with `step()`, `range()`, `min_of`, `max_of`.
 * Computed in seconds, as Prometheus does, and returned in ms.
 */
import type { SyntaxNode } from '@lezer/common';
import type { Converter } from './parse';

export interface DurationContext {
  readonly stepMs: number;
  readonly rangeMs: number;
}

export function evalDurationExpr(
  cv: Converter,
  n: SyntaxNode,
  ctx: DurationContext | undefined,
): number {
  return Math.round(seconds(cv, n, ctx) * 1000);
}

/** A duration expression's value in seconds, unrounded (`min_of(3, 5)` as a number is 3). */
export function durationSeconds(
  cv: Converter,
  n: SyntaxNode,
  ctx: DurationContext | undefined,
): number {
  return seconds(cv, n, ctx);
}

function seconds(cv: Converter, n: SyntaxNode, ctx: DurationContext | undefined): number {
  const kids = cv.children(n);
  if (n.name === 'NumberDurationLiteralInDurationContext' || n.name === 'NumberDurationLiteral') {
    return cv.number(n);
  }
  if (n.name === 'DurationStep' || n.name === 'DurationRange') {
    if (!ctx) return cv.fail(n, `${cv.text(n)}() is not supported in this context`);
    return (n.name === 'DurationStep' ? ctx.stepMs : ctx.rangeMs) / 1000;
  }
  const first = kids[0];
  if (!first) return cv.fail(n, 'expected a duration');
  if (kids.length === 1) return seconds(cv, first, ctx);
  if (first.name === 'UnaryOp') {
    const v = seconds(cv, kids[1]!, ctx);
    return cv.text(first) === '-' ? -v : v;
  }
  switch (first.name) {
    case 'DurationStep':
    case 'DurationRange': {
      if (!ctx) return cv.fail(first, `${cv.text(first)}() is not supported in this context`);
      return (first.name === 'DurationStep' ? ctx.stepMs : ctx.rangeMs) / 1000;
    }
    case 'DurationMinOf':
    case 'DurationMaxOf': {
      const args = kids.filter((k) => k.name === 'DurationExpr').map((k) => seconds(cv, k, ctx));
      return first.name === 'DurationMinOf' ? Math.min(...args) : Math.max(...args);
    }
  }
  if (cv.text(first) === '(') return seconds(cv, kids[1]!, ctx);
  const a = seconds(cv, first, ctx);
  const b = seconds(cv, kids[2]!, ctx);
  switch (kids[1]!.name) {
    case 'Add':
      return a + b;
    case 'Sub':
      return a - b;
    case 'Mul':
      return a * b;
    case 'Div':
      if (b === 0) return cv.fail(kids[1]!, 'division by zero');
      return a / b;
    case 'Mod':
      if (b === 0) return cv.fail(kids[1]!, 'modulo by zero');
      return a % b;
    case 'Pow':
      return Math.pow(a, b);
    default:
      return cv.fail(kids[1]!, `unexpected ${cv.text(kids[1]!)} in duration`);
  }
}
