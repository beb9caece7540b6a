/**
 * The typed PromQL syntax tree the evaluator works on. Produced from the lezer tree by
 * `parser/convert.ts`; every node keeps the [start, end) character offsets of its source so
 * errors and annotations can point at it.
 */
import type { LabelMatcher } from './matchers';
import { functionSignature } from './functions/signatures';

export type ValueType = 'scalar' | 'string' | 'vector' | 'matrix';

export interface Position {
  readonly start: number;
  readonly end: number;
}

/** `@ <time>` or `@ start()` / `@ end()`; times in ms. */
export type AtModifier =
  | { readonly kind: 'time'; readonly timeMs: number }
  | { readonly kind: 'start' }
  | { readonly kind: 'end' };

export interface NumberLiteral extends Position {
  readonly type: 'number';
  readonly value: number;
}

export interface StringLiteral extends Position {
  readonly type: 'string';
  readonly value: string;
}

export interface VectorSelector extends Position {
  readonly type: 'vectorSelector';
  /** The metric name when written outside the braces, for messages. */
  readonly name: string | undefined;
  readonly matchers: readonly LabelMatcher[];
  readonly offsetMs: number;
  readonly at: AtModifier | undefined;
}

export interface MatrixSelector extends Position {
  readonly type: 'matrixSelector';
  readonly selector: VectorSelector;
  readonly rangeMs: number;
}

export interface SubqueryExpr extends Position {
  readonly type: 'subquery';
  readonly expr: Expr;
  readonly rangeMs: number;
  /** 0 = the default evaluation interval. */
  readonly stepMs: number;
  readonly offsetMs: number;
  readonly at: AtModifier | undefined;
}

export type AggregateOp =
  | 'sum'
  | 'min'
  | 'max'
  | 'avg'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'count'
  | 'count_values'
  | 'bottomk'
  | 'topk'
  | 'quantile'
  | 'limitk'
  | 'limit_ratio';

export interface AggregateExpr extends Position {
  readonly type: 'aggregate';
  readonly op: AggregateOp;
  readonly expr: Expr;
  readonly param: Expr | undefined;
  readonly grouping: readonly string[];
  /** true for `without (...)`, false for `by (...)` or none. */
  readonly without: boolean;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export interface VectorMatching {
  /** `on` when true, `ignoring` (or nothing) when false. */
  readonly on: boolean;
  readonly labels: readonly string[];
  readonly card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** `group_left(x)` / `group_right(x)` extra labels copied from the "one" side. */
  readonly include: readonly string[];
}

export interface BinaryExpr extends Position {
  readonly type: 'binary';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  readonly returnBool: boolean;
  /** Set when both sides are vectors. */
  readonly matching: VectorMatching | undefined;
}

export interface UnaryExpr extends Position {
  readonly type: 'unary';
  readonly op: '+' | '-';
  readonly expr: Expr;
}

export interface ParenExpr extends Position {
  readonly type: 'paren';
  readonly expr: Expr;
}

export interface Call extends Position {
  readonly type: 'call';
  readonly func: string;
  readonly args: readonly Expr[];
}

/** `(expr) @ t` around something that is not a selector or subquery, e.g. a function call. */
export interface StepInvariantExpr extends Position {
  readonly type: 'stepInvariant';
  readonly expr: Expr;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr
  | Call
  | StepInvariantExpr;

/** The value type an expression yields, as Prometheus's `Type()` does. */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vectorSelector':
    case 'aggregate':
      return 'vector';
    case 'matrixSelector':
    case 'subquery':
      return 'matrix';
    case 'binary':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
    case 'paren':
    case 'stepInvariant':
      return typeOf(e.expr);
    case 'call':
      return functionReturnType(e.func);
  }
}

function functionReturnType(name: string): ValueType {
  return functionSignature(name)?.returns ?? 'vector';
}
