/** Conversion of calls, aggregations and binary operations from the lezer tree. */
import type { SyntaxNode } from '@lezer/common';
import type * as ast from '../ast';
import { typeOf } from '../ast';
import type { Converter } from './parse';

const BINARY_OPS: Record<string, ast.BinaryOp> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Atan2: 'atan2',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};

const SET_OPS = new Set(['and', 'or', 'unless']);
export const COMPARISON_OPS = new Set(['==', '!=', '>', '<', '>=', '<=']);

const PARAM_AGGREGATIONS = new Set([
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'limitk',
  'limit_ratio',
]);

function groupingLabels(cv: Converter, n: SyntaxNode): string[] {
  return cv
    .children(n)
    .filter((c) => c.name === 'LabelName' || c.name === 'QuotedLabelName')
    .map((c) => (c.name === 'LabelName' ? cv.text(c) : cv.string(c.firstChild!)));
}

function bodyArgs(cv: Converter, body: SyntaxNode): ast.Expr[] {
  return cv
    .children(body)
    .filter((c) => c.type.is('Expr'))
    .map((c) => cv.expr(c));
}

export function convertCall(cv: Converter, n: SyntaxNode): ast.Call {
  const id = n.getChild('FunctionIdentifier')!;
  const body = n.getChild('FunctionCallBody')!;
  return { type: 'call', func: cv.text(id), args: bodyArgs(cv, body), start: n.from, end: n.to };
}

export function convertAggregate(cv: Converter, n: SyntaxNode): ast.AggregateExpr {
  const op = cv.text(n.getChild('AggregateOp')!).toLowerCase() as ast.AggregateOp;
  const body = n.getChild('FunctionCallBody')!;
  const mod = n.getChild('AggregateModifier');
  const args = bodyArgs(cv, body);
  const want = PARAM_AGGREGATIONS.has(op) ? 2 : 1;
  if (args.length !== want) {
    cv.fail(
      n,
      `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`,
    );
  }
  const expr = args[want - 1]!;
  const param = want === 2 ? args[0] : undefined;
  let grouping: string[] = [];
  let without = false;
  if (mod) {
    without = mod.firstChild!.name === 'Without';
    grouping = groupingLabels(cv, mod.getChild('GroupingLabels')!);
  }
  return { type: 'aggregate', op, expr, param, grouping, without, start: n.from, end: n.to };
}

export function convertBinary(cv: Converter, n: SyntaxNode): ast.BinaryExpr {
  const kids = cv.children(n);
  const lhsNode = kids[0]!;
  const rhsNode = kids[kids.length - 1]!;
  const opNode = kids[1]!;
  const op = BINARY_OPS[opNode.name];
  if (!op) return cv.fail(opNode, `operator ${JSON.stringify(cv.text(opNode))} is not supported`);
  const lhs = cv.expr(lhsNode);
  const rhs = cv.expr(rhsNode);
  const returnBool = kids.some((k) => k.name === 'BoolModifier');
  const clause = kids.find((k) => k.name === 'MatchingModifierClause');
  const fill = kids.find((k) => k.name === 'FillModifier');
  if (fill) cv.fail(fill, 'fill modifiers are not supported');
  const bothVectors = typeOf(lhs) === 'vector' && typeOf(rhs) === 'vector';
  if (returnBool && !COMPARISON_OPS.has(op)) {
    cv.fail(opNode, 'bool modifier can only be used on comparison operators');
  }
  if (
    COMPARISON_OPS.has(op) &&
    typeOf(lhs) === 'scalar' &&
    typeOf(rhs) === 'scalar' &&
    !returnBool
  ) {
    cv.fail(opNode, 'comparisons between scalars must use BOOL modifier');
  }
  let matching: ast.VectorMatching | undefined;
  if (clause) {
    if (!bothVectors) cv.fail(clause, 'vector matching only allowed between instant vectors');
    const ck = cv.children(clause);
    const on = ck[0]!.name === 'On';
    const groups = ck.filter((c) => c.name === 'GroupingLabels');
    const labels = groupingLabels(cv, groups[0]!);
    const g = ck.find((c) => c.name === 'GroupLeft' || c.name === 'GroupRight');
    let card: ast.VectorMatching['card'] = SET_OPS.has(op) ? 'many-to-many' : 'one-to-one';
    let include: string[] = [];
    if (g) {
      if (SET_OPS.has(op)) cv.fail(g, `no grouping allowed for "${op}" operation`);
      card = g.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many';
      include = groups[1] ? groupingLabels(cv, groups[1]) : [];
      if (on) {
        for (const l of include) {
          if (labels.includes(l)) {
            cv.fail(
              clause,
              `label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`,
            );
          }
        }
      }
    }
    matching = { on, labels, card, include };
  } else if (bothVectors) {
    matching = {
      on: false,
      labels: [],
      card: SET_OPS.has(op) ? 'many-to-many' : 'one-to-one',
      include: [],
    };
  }
  if (SET_OPS.has(op) && !bothVectors) {
    const side = typeOf(lhs) === 'scalar' || typeOf(rhs) === 'scalar' ? 'scalar' : 'string';
    cv.fail(opNode, `set operator "${op}" not allowed in binary ${side} expression`);
  }
  return { type: 'binary', op, lhs, rhs, returnBool, matching, start: n.from, end: n.to };
}
