/**
 * PromQL text → typed AST. The grammar is Prometheus's own lezer grammar
 * (`@prometheus-io/lezer-promql`); this module walks its concrete tree, builds our nodes and
 * reports the first syntax error with its line:column, like Prometheus's `bad_data` errors.
 * Type rules (argument types, operator operands) are checked afterwards by `check.ts`.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import type * as ast from '../ast';
import { PromQLParseError } from '../errors';
import { newMatcher, type LabelMatcher, type MatchType } from '../matchers';
import { evalDurationExpr, type DurationContext } from './durations';
import { parseNumber, unquoteString } from './literals';
import { checkExpr } from './check';
import { convertAggregate, convertBinary, convertCall } from './convert-ops';
import { expectation, fixTrailingDots, unclosed } from './source-text';
import { foldMinMaxOf } from './min-max-of';

export interface ParseOptions {
  /** Values for `step()` and `range()` inside durations; unknown at parse time when absent. */
  readonly durations?: DurationContext;
}

/** Parses and type-checks one PromQL expression. Throws PromQLParseError. */
export function parsePromQL(input: string, options: ParseOptions = {}): ast.Expr {
  const folded = foldMinMaxOf(
    fixTrailingDots(input),
    options.durations,
    (src) => new Converter(src, options),
  );
  const tree = parser.parse(folded.text);
  const top = tree.topNode;
  const first = top.firstChild;
  if (!first) throw new PromQLParseError('1:1: parse error: no expression found in input');
  const cv = new Converter(input, options, folded.values);
  cv.checkSyntax(top);
  const expr = cv.expr(first);
  checkExpr(expr, cv);
  return expr;
}

export class Converter {
  constructor(
    readonly src: string,
    private readonly options: ParseOptions,
    /** Numbers that stand for a folded `min_of`/`max_of` call, by offset (min-max-of.ts). */
    private readonly folded?: ReadonlyMap<number, number>,
  ) {}

  text(n: SyntaxNode): string {
    return this.src.slice(n.from, n.to);
  }

  /** `line:col` (1-based) of an offset, as Prometheus prints positions. */
  position(offset: number): string {
    let line = 1;
    let col = 1;
    for (let i = 0; i < offset && i < this.src.length; i++) {
      if (this.src[i] === '\n') {
        line++;
        col = 1;
      } else col++;
    }
    return `${line}:${col}`;
  }

  fail(at: number | SyntaxNode, message: string): never {
    const offset = typeof at === 'number' ? at : at.from;
    throw new PromQLParseError(`${this.position(offset)}: parse error: ${message}`, { offset });
  }

  checkSyntax(top: SyntaxNode): void {
    const cursor = top.cursor();
    do {
      if (cursor.type.isError) this.syntaxError(cursor.from, cursor.node.parent);
    } while (cursor.next());
  }

  /** Says, like Prometheus, what was found and what the grammar wanted there. */
  private syntaxError(at: number, parent: SyntaxNode | null): never {
    const rest = this.src.slice(at).trimStart();
    const prev = this.src.slice(0, at).trimEnd();
    const name = /([A-Za-z_:][\w:]*)$/.exec(prev)?.[1];
    if (name !== undefined && rest.startsWith('(')) {
      this.fail(
        at - (this.src.slice(0, at).length - prev.length) - name.length,
        `unknown function with name ${JSON.stringify(name)}`,
      );
    }
    if (rest === '') {
      const open = unclosed(this.src);
      if (open) this.fail(open.at, `unclosed left ${open.what}`);
      this.fail(at, `unexpected end of input${expectation(parent)}`);
    }
    const c = rest[0]!;
    const closing: Record<string, string> = {
      ')': 'right parenthesis',
      ']': 'right bracket',
      '}': 'right brace',
    };
    if (closing[c])
      this.fail(
        this.src.length - rest.length,
        `unexpected ${closing[c]} '${c}'${expectation(parent)}`,
      );
    this.fail(
      this.src.length - rest.length,
      `unexpected character ${JSON.stringify(c)}${expectation(parent)}`,
    );
  }

  children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }

  child(n: SyntaxNode, name: string): SyntaxNode | null {
    return n.getChild(name);
  }

  expr(n: SyntaxNode): ast.Expr {
    const pos = { start: n.from, end: n.to };
    switch (n.name) {
      case 'NumberDurationLiteral':
        return { type: 'number', value: this.number(n), ...pos };
      case 'StringLiteral':
        return { type: 'string', value: this.string(n), ...pos };
      case 'VectorSelector':
        return this.vectorSelector(n);
      case 'ParenExpr':
        return { type: 'paren', expr: this.expr(this.onlyExpr(n)), ...pos };
      case 'UnaryExpr': {
        const op = this.text(n.firstChild!) as '+' | '-';
        const inner = this.expr(n.lastChild!);
        if (inner.type === 'number') {
          return { type: 'number', value: op === '-' ? -inner.value : inner.value, ...pos };
        }
        return { type: 'unary', op, expr: inner, ...pos };
      }
      case 'MatrixSelector':
        return this.matrixSelector(n);
      case 'SubqueryExpr':
        return this.subquery(n);
      case 'OffsetExpr':
        return this.offset(n);
      case 'StepInvariantExpr':
        return this.at(n);
      case 'FunctionCall':
        return convertCall(this, n);
      case 'AggregateExpr':
        return convertAggregate(this, n);
      case 'BinaryExpr':
        return convertBinary(this, n);
      case 'AnchoredExpr':
      case 'SmoothedExpr':
        return this.fail(
          n.lastChild ?? n,
          `${this.text(n.lastChild ?? n)} modifier is not supported`,
        );
      default:
        return this.fail(n, `unexpected ${describeNode(n.name)}`);
    }
  }

  /** The single expression child of a wrapper node (parentheses, function body). */
  onlyExpr(n: SyntaxNode): SyntaxNode {
    const inner = this.children(n).find((c) => c.type.is('Expr'));
    if (!inner) this.fail(n, 'expected an expression');
    return inner;
  }

  number(n: SyntaxNode): number {
    const folded = this.folded?.get(n.from);
    if (folded !== undefined) return folded;
    const text = this.text(n).replace(/\s+/g, '');
    const sign = text.startsWith('-') ? -1 : 1;
    const v0 = parseNumber(/^[+-]/.test(text) ? text.slice(1) : text);
    const v = v0 === undefined ? undefined : sign * v0;
    if (v === undefined)
      this.fail(n, `bad number or duration syntax: ${JSON.stringify(this.text(n))}`);
    return v;
  }

  string(n: SyntaxNode): string {
    const r = unquoteString(this.text(n));
    if ('error' in r) this.fail(n, r.error);
    return r.value;
  }

  durationMs(n: SyntaxNode, allowNegative = false): number {
    const ms = evalDurationExpr(this, n, this.options.durations);
    if (!allowNegative && ms < 0) this.fail(n, `duration must be greater than 0`);
    return ms;
  }

  vectorSelector(n: SyntaxNode): ast.VectorSelector {
    const id = this.child(n, 'Identifier');
    const name = id ? this.text(id) : undefined;
    const matchers: LabelMatcher[] = [];
    const lm = this.child(n, 'LabelMatchers');
    let nameInBraces = false;
    if (lm) {
      for (const m of this.children(lm)) {
        if (m.name === 'QuotedLabelName') {
          if (name !== undefined) this.fail(m, 'metric name must not be set twice');
          nameInBraces = true;
          matchers.push(newMatcher('=', '__name__', this.string(m.firstChild!)));
          continue;
        }
        if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher') continue;
        const [ln, op, val] = this.children(m);
        const label = ln!.name === 'LabelName' ? this.text(ln!) : this.string(ln!.firstChild!);
        const type = this.text(op!) as MatchType;
        if (label === '__name__' && name !== undefined && type === '=') {
          this.fail(m, 'metric name must not be set twice');
        }
        matchers.push(newMatcher(type, label, this.string(val!)));
      }
    }
    if (name !== undefined) matchers.unshift(newMatcher('=', '__name__', name));
    if (!matchers.some((m) => !m.matches(''))) {
      this.fail(n, 'vector selector must contain at least one non-empty matcher');
    }
    if (
      nameInBraces &&
      matchers.filter((m) => m.name === '__name__' && m.type === '=').length > 1
    ) {
      this.fail(n, 'metric name must not be set twice');
    }
    return {
      type: 'vectorSelector',
      name,
      matchers,
      offsetMs: 0,
      at: undefined,
      start: n.from,
      end: n.to,
    };
  }

  matrixSelector(n: SyntaxNode): ast.MatrixSelector {
    const inner = this.expr(n.firstChild!);
    const rangeNode = this.child(n, 'DurationExpr')!;
    if (inner.type !== 'vectorSelector') {
      this.fail(n, 'ranges only allowed for vector selectors');
    }
    if (inner.offsetMs !== 0 || inner.at)
      this.fail(n, 'no offset or @ modifiers allowed before range');
    const rangeMs = this.durationMs(rangeNode);
    if (rangeMs <= 0) this.fail(rangeNode, `range must be greater than 0`);
    return { type: 'matrixSelector', selector: inner, rangeMs, start: n.from, end: n.to };
  }

  subquery(n: SyntaxNode): ast.SubqueryExpr {
    const inner = this.expr(n.firstChild!);
    const durs = this.children(n).filter((c) => c.name === 'DurationExpr');
    const rangeMs = this.durationMs(durs[0]!);
    const stepMs = durs[1] ? this.durationMs(durs[1]) : 0;
    if (rangeMs <= 0) this.fail(durs[0]!, 'range must be greater than 0');
    if (durs[1] && stepMs <= 0) this.fail(durs[1], 'step must be greater than 0');
    return {
      type: 'subquery',
      expr: inner,
      rangeMs,
      stepMs,
      offsetMs: 0,
      at: undefined,
      start: n.from,
      end: n.to,
    };
  }

  offset(n: SyntaxNode): ast.Expr {
    const target = this.expr(n.firstChild!);
    const durNode = this.child(n, 'OffsetDurationExpr')!;
    const ms = this.durationMs(durNode, true);
    return this.modify(
      n,
      target,
      (s) => {
        if (s.offsetMs !== 0) this.fail(durNode, 'offset may not be set multiple times');
        return { ...s, offsetMs: ms, end: n.to };
      },
      'offset',
    );
  }

  at(n: SyntaxNode): ast.Expr {
    const target = this.expr(n.firstChild!);
    const pre = this.child(n, 'AtModifierPreprocessors');
    let at: ast.AtModifier;
    if (pre) {
      at = this.text(pre) === 'start' ? { kind: 'start' } : { kind: 'end' };
    } else {
      const numNode = this.child(n, 'NumberDurationLiteral')!;
      const v = this.number(numNode);
      if (!Number.isFinite(v)) this.fail(numNode, `timestamp out of bounds for @ modifier: ${v}`);
      at = { kind: 'time', timeMs: Math.round(v * 1000) };
    }
    return this.modify(
      n,
      target,
      (s) => {
        if (s.at) this.fail(n, '@ <timestamp> may not be set multiple times');
        return { ...s, at, end: n.to };
      },
      '@',
    );
  }

  /** Applies an `offset` or `@` to the selector or subquery it follows. */
  private modify(
    n: SyntaxNode,
    target: ast.Expr,
    apply: <T extends ast.VectorSelector | ast.SubqueryExpr>(s: T) => T,
    what: string,
  ): ast.Expr {
    switch (target.type) {
      case 'vectorSelector':
      case 'subquery':
        return apply(target);
      case 'matrixSelector':
        return { ...target, selector: apply(target.selector), end: n.to };
      // The grammar attaches a trailing modifier to the whole operation; it belongs to the
      // operand it follows, as in Prometheus's own parser.
      case 'binary':
        return { ...target, rhs: this.modify(n, target.rhs, apply, what), end: n.to };
      case 'unary':
        return { ...target, expr: this.modify(n, target.expr, apply, what), end: n.to };
      default:
        return this.fail(
          n,
          `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`,
        );
    }
  }
}

function describeNode(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
