/**
 * Type rules Prometheus's parser enforces after building the tree: argument counts and types
 * of calls and aggregations, operand types of operators, what a subquery may wrap.
 */
import type * as ast from '../ast';
import { typeOf, type ValueType } from '../ast';
import { functionSignature } from '../functions/signatures';
import type { Converter } from './parse';

const TYPE_NAMES: Record<ValueType, string> = {
  scalar: 'scalar',
  string: 'string',
  vector: 'instant vector',
  matrix: 'range vector',
};

export function checkExpr(e: ast.Expr, cv: Converter): void {
  switch (e.type) {
    case 'number':
    case 'string':
    case 'vectorSelector':
    case 'matrixSelector':
      return;
    case 'paren':
    case 'stepInvariant':
      return checkExpr(e.expr, cv);
    case 'unary': {
      checkExpr(e.expr, cv);
      const t = typeOf(e.expr);
      if (t !== 'scalar' && t !== 'vector') {
        cv.fail(
          e.start,
          `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(TYPE_NAMES[t])}`,
        );
      }
      return;
    }
    case 'subquery': {
      checkExpr(e.expr, cv);
      const t = typeOf(e.expr);
      if (t !== 'vector')
        cv.fail(e.start, `subquery is only allowed on instant vector, got ${t} instead`);
      return;
    }
    case 'binary': {
      checkExpr(e.lhs, cv);
      checkExpr(e.rhs, cv);
      for (const side of [e.lhs, e.rhs]) {
        const t = typeOf(side);
        if (t !== 'scalar' && t !== 'vector') {
          cv.fail(
            side.start,
            `binary expression must contain only scalar and instant vector types`,
          );
        }
      }
      return;
    }
    case 'aggregate': {
      checkExpr(e.expr, cv);
      if (typeOf(e.expr) !== 'vector') {
        cv.fail(
          e.expr.start,
          `expected type instant vector in aggregation expression, got ${TYPE_NAMES[typeOf(e.expr)]}`,
        );
      }
      if (e.param) {
        checkExpr(e.param, cv);
        const want: ValueType = e.op === 'count_values' ? 'string' : 'scalar';
        if (typeOf(e.param) !== want) {
          cv.fail(
            e.param.start,
            `expected type ${TYPE_NAMES[want]} in aggregation parameter, got ${TYPE_NAMES[typeOf(e.param)]}`,
          );
        }
      }
      return;
    }
    case 'call':
      return checkCall(e, cv);
  }
}

function checkCall(e: ast.Call, cv: Converter): void {
  const sig = functionSignature(e.func);
  if (!sig) return cv.fail(e.start, `unknown function with name ${JSON.stringify(e.func)}`);
  const n = e.args.length;
  const min = sig.args.length - (sig.optional ?? 0);
  const max = sig.variadic ? Infinity : sig.args.length;
  if (n < min || n > max) {
    const want =
      sig.optional || sig.variadic
        ? sig.variadic
          ? `at least ${min}`
          : `at most ${max}`
        : `${min}`;
    cv.fail(e.start, `expected ${want} argument(s) in call to ${JSON.stringify(e.func)}, got ${n}`);
  }
  e.args.forEach((arg, i) => {
    checkExpr(arg, cv);
    const want = sig.args[Math.min(i, sig.args.length - 1)]!;
    const got = typeOf(arg);
    if (got !== want) {
      cv.fail(
        arg.start,
        `expected type ${TYPE_NAMES[want]} in call to function ${JSON.stringify(e.func)}, got ${TYPE_NAMES[got]}`,
      );
    }
  });
}
