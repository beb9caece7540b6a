/**
 * The reference runner also re-runs every instant query with `@ <eval time>` set on each
 * selector and subquery that has none (not inside a subquery that has one), at five other
 * evaluation times, and expects the same answer: the result must not depend on the step.
 * Queries using functions whose value depends on the evaluation time are left out.
 */
import type { Expr } from '@ztsdb/promql';

const AT_UNSAFE = new Set([
  'days_in_month',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'end',
  'hour',
  'minute',
  'month',
  'year',
  'predict_linear',
  'range',
  'start',
  'step',
  'time',
  'timestamp',
]);

function unsafe(e: Expr): boolean {
  switch (e.type) {
    case 'call':
      return AT_UNSAFE.has(e.func) || e.args.some(unsafe);
    case 'binary':
      return unsafe(e.lhs) || unsafe(e.rhs);
    case 'aggregate':
      return unsafe(e.expr) || (e.param !== undefined && unsafe(e.param));
    case 'paren':
    case 'unary':
    case 'stepInvariant':
    case 'subquery':
      return unsafe(e.expr);
    default:
      return false;
  }
}

function withAt(e: Expr, timeMs: number): Expr {
  const at = { kind: 'time', timeMs } as const;
  switch (e.type) {
    case 'vectorSelector':
      return e.at ? e : { ...e, at };
    case 'matrixSelector':
      return e.selector.at ? e : { ...e, selector: { ...e.selector, at } };
    case 'subquery':
      // Selectors inside a subquery that has an @ keep their own times.
      return e.at ? e : { ...e, at };
    case 'call':
      return { ...e, args: e.args.map((a) => withAt(a, timeMs)) };
    case 'binary':
      return { ...e, lhs: withAt(e.lhs, timeMs), rhs: withAt(e.rhs, timeMs) };
    case 'aggregate':
      return { ...e, expr: withAt(e.expr, timeMs), param: e.param && withAt(e.param, timeMs) };
    case 'paren':
    case 'unary':
    case 'stepInvariant':
      return { ...e, expr: withAt(e.expr, timeMs) };
    default:
      return e;
  }
}

export function atModifierVariants(expr: Expr, timeMs: number): { expr: Expr; timeMs: number }[] {
  if (unsafe(expr)) return [];
  const fixed = withAt(expr, timeMs);
  const times =
    timeMs === 0 ? [-1000, -0, 1000] : [-10 * timeMs, 0, timeMs / 5, timeMs, 10 * timeMs];
  return times.map((t) => ({ expr: fixed, timeMs: Math.trunc(t) }));
}
