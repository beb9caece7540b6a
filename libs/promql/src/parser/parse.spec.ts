import type { BinaryExpr, Call, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from '../ast';
import { PromQLParseError } from '../errors';
import { parseDurationMs, parseNumber, unquoteString } from './literals';
import { parsePromQL } from './parse';
import { parseCached } from './parse-cache';
import { fixTrailingDots } from './source-text';

function parseErr(q: string): string {
  try {
    parsePromQL(q);
  } catch (err) {
    expect(err).toBeInstanceOf(PromQLParseError);
    expect((err as PromQLParseError).errorType).toBe('bad_data');
    return (err as Error).message;
  }
  throw new Error(`${q} parsed`);
}

describe('parsePromQL', () => {
  it('takes min_of and max_of outside durations as numbers, keeping positions', () => {
    expect(parsePromQL('min_of(3, 5)')).toMatchObject({ type: 'number', value: 3 });
    expect(parsePromQL('max_of(-2, 1m)')).toMatchObject({ type: 'number', value: 60 });
    expect(
      parsePromQL('max_of(step(), 2)', { durations: { stepMs: 5000, rangeMs: 0 } }),
    ).toMatchObject({ type: 'number', value: 5 });
    const b = parsePromQL('foo{a="min_of(1, 2)"} * min_of(4, 0.5)') as BinaryExpr;
    expect((b.lhs as VectorSelector).matchers[1]!.value).toBe('min_of(1, 2)');
    expect(b.rhs).toMatchObject({ type: 'number', value: 0.5, start: 24 });
    expect(parseErr('min_of(1, 2) +')).toMatch(/^1:15: parse error: unexpected end of input/);
    expect(parseErr('min_of(foo, 2)')).toMatch(/parse error/);
  });

  it('serves a text parsed before from the cache, apart for each step() value', () => {
    const a = parseCached('sum(rate(parse_cache_test[5m]))');
    expect(parseCached('sum(rate(parse_cache_test[5m]))')).toBe(a);
    const step = (ms: number) =>
      parseCached('x[step()]', { durations: { stepMs: ms, rangeMs: 0 } });
    expect((step(5000) as MatrixSelector).rangeMs).toBe(5000);
    expect((step(7000) as MatrixSelector).rangeMs).toBe(7000);
    expect(step(7000)).toBe(step(7000));
    expect(() => parseCached('sum(')).toThrow(PromQLParseError);
    expect(() => parseCached('sum(')).toThrow(PromQLParseError);
  });

  it('takes step() alone and in arithmetic inside brackets', () => {
    const durations = { stepMs: 5000, rangeMs: 0 };
    expect((parsePromQL('x[step()]', { durations }) as MatrixSelector).rangeMs).toBe(5000);
    expect((parsePromQL('x[step() + 1]', { durations }) as MatrixSelector).rangeMs).toBe(6000);
    expect((parsePromQL('x[max_of(step(), 2)]', { durations }) as MatrixSelector).rangeMs).toBe(
      5000,
    );
    expect(parseErr('x[step()]')).toMatch(/step\(\) is not supported in this context/);
  });

  it('builds a selector with its matchers, the name first', () => {
    const e = parsePromQL('foo{a="1", b!="2", c=~"x.*", d!~"y"}') as VectorSelector;
    expect(e.type).toBe('vectorSelector');
    expect(e.matchers.map((m) => `${m.name}${m.type}${m.value}`)).toEqual([
      '__name__=foo',
      'a=1',
      'b!=2',
      'c=~x.*',
      'd!~y',
    ]);
  });

  it('anchors regular expressions at both ends and lets . match a newline', () => {
    const e = parsePromQL('{a=~"pro.*"}') as VectorSelector;
    const m = e.matchers[0]!;
    expect(m.matches('production')).toBe(true);
    expect(m.matches('xproduction')).toBe(false);
    expect(m.matches('pro\nd')).toBe(true);
    expect(
      (parsePromQL('{a=~"(?i:PRO).*"}') as VectorSelector).matchers[0]!.matches('production'),
    ).toBe(true);
  });

  it('accepts quoted metric and label names', () => {
    const e = parsePromQL('{"my.metric", "a.b"="c"}') as VectorSelector;
    expect(e.matchers.map((m) => [m.name, m.value])).toEqual([
      ['__name__', 'my.metric'],
      ['a.b', 'c'],
    ]);
  });

  it('follows operator precedence: ^ is right-associative and binds tighter than unary minus', () => {
    const e = parsePromQL('1 + 2 * 3 ^ 2 ^ 2') as BinaryExpr;
    expect(e.op).toBe('+');
    const mul = e.rhs as BinaryExpr;
    expect(mul.op).toBe('*');
    const pow = mul.rhs as BinaryExpr;
    expect(pow.op).toBe('^');
    expect((pow.rhs as BinaryExpr).op).toBe('^');
    const neg = parsePromQL('-foo ^ 2');
    expect(neg.type).toBe('unary');
  });

  it('reads vector matching and bool modifiers', () => {
    const e = parsePromQL('a > bool on(x) group_left(y) b') as BinaryExpr;
    expect(e.returnBool).toBe(true);
    expect(e.matching).toEqual({ on: true, labels: ['x'], card: 'many-to-one', include: ['y'] });
    const s = parsePromQL('a and b') as BinaryExpr;
    expect(s.matching?.card).toBe('many-to-many');
  });

  it('binds offset and @ to the operand they follow', () => {
    const e = parsePromQL('a offset 15m or b offset 45m') as BinaryExpr;
    expect((e.lhs as VectorSelector).offsetMs).toBe(15 * 60_000);
    expect((e.rhs as VectorSelector).offsetMs).toBe(45 * 60_000);
    const m = parsePromQL('rate(x[5m] offset 1m @ start())') as Call;
    const ms = m.args[0] as MatrixSelector;
    expect(ms.rangeMs).toBe(300_000);
    expect(ms.selector.offsetMs).toBe(60_000);
    expect(ms.selector.at).toEqual({ kind: 'start' });
    const neg = parsePromQL('x offset -1m @ 100') as VectorSelector;
    expect(neg.offsetMs).toBe(-60_000);
    expect(neg.at).toEqual({ kind: 'time', timeMs: 100_000 });
  });

  it('reads subqueries with and without a step, and durations given as seconds', () => {
    const s = parsePromQL('max_over_time(rate(x[1m])[1h:5m])') as Call;
    const sq = s.args[0] as SubqueryExpr;
    expect([sq.rangeMs, sq.stepMs]).toEqual([3_600_000, 300_000]);
    expect((parsePromQL('x[30:]') as SubqueryExpr).rangeMs).toBe(30_000);
    expect((parsePromQL('x[5m + 30s]') as MatrixSelector).rangeMs).toBe(330_000);
  });

  it('reads number literals: signs, hex, exponents, Inf, NaN, durations, a trailing dot', () => {
    const n = (q: string): number => (parsePromQL(q) as Extract<Expr, { type: 'number' }>).value;
    expect(n('-0.2e-6')).toBe(-0.0000002);
    expect(n('0x1F')).toBe(31);
    expect(n('1_000')).toBe(1000);
    expect(n('-Inf')).toBe(-Infinity);
    expect(Number.isNaN(n('NaN'))).toBe(true);
    expect(n('1m30s')).toBe(90);
    expect(n('2.')).toBe(2);
  });

  it('lower-cases aggregation operators and keeps by / without labels', () => {
    const e = parsePromQL('SUM without (a, b) (x)');
    expect(e).toMatchObject({ type: 'aggregate', op: 'sum', without: true, grouping: ['a', 'b'] });
    expect(parsePromQL('topk by (a) (3, x)')).toMatchObject({
      op: 'topk',
      param: { type: 'number', value: 3 },
    });
  });

  it('reports syntax errors with line:column', () => {
    expect(parseErr('sum(x')).toBe('1:6: parse error: unclosed left parenthesis');
    expect(parseErr('1 +')).toBe(
      '1:4: parse error: unexpected end of input, expected an expression',
    );
    expect(parseErr('x{a}')).toMatch(
      /^1:4: parse error: unexpected right brace '}', expected a label matching operator/,
    );
    expect(parseErr('foo(bar)')).toBe('1:1: parse error: unknown function with name "foo"');
    expect(parseErr('x{a="b"\n,}}')).toMatch(/^2:3: parse error/);
  });

  it('reports the type errors Prometheus reports', () => {
    expect(parseErr('rate(x)')).toBe(
      '1:6: parse error: expected type range vector in call to function "rate", got instant vector',
    );
    expect(parseErr('1 > 2')).toBe(
      '1:3: parse error: comparisons between scalars must use BOOL modifier',
    );
    expect(parseErr('x + bool y')).toBe(
      '1:3: parse error: bool modifier can only be used on comparison operators',
    );
    expect(parseErr('1 and x')).toMatch(
      /set operator "and" not allowed in binary scalar expression/,
    );
    expect(parseErr('{a=""}')).toMatch(
      /vector selector must contain at least one non-empty matcher/,
    );
    expect(parseErr('x[5m][1m]')).toMatch(/ranges only allowed for vector selectors/);
    expect(parseErr('x offset 1m offset 2m')).toMatch(/offset may not be set multiple times/);
    expect(parseErr('sum(x) @ 100')).toMatch(/@ modifier must be preceded by/);
    expect(parseErr('a + on(x) group_left(x) b')).toMatch(
      /label "x" must not occur in ON and GROUP clause at once/,
    );
    expect(parseErr('{a=~"(x"}')).toMatch(/invalid regular expression/);
    expect(parseErr('topk(x)')).toMatch(
      /wrong number of arguments for aggregate expression provided, expected 2, got 1/,
    );
  });
});

describe('literals', () => {
  it('parses durations with every unit and rejects other text', () => {
    expect(parseDurationMs('1y2w3d4h5m6s7ms')).toBe(
      365 * 86_400_000 + 14 * 86_400_000 + 3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000 + 6000 + 7,
    );
    expect(parseDurationMs('5x')).toBeUndefined();
    expect(parseNumber('1e3')).toBe(1000);
  });

  it('unquotes Go string literals', () => {
    expect(unquoteString('"a\\n\\x41\\u00e9\\101"')).toEqual({ value: 'a\nAéA' });
    expect(unquoteString("'it\\'s'")).toEqual({ value: "it's" });
    expect(unquoteString('`raw\\n`')).toEqual({ value: 'raw\\n' });
    expect(unquoteString('"open')).toEqual({ error: 'unterminated quoted string' });
  });

  it('turns trailing dots of numbers into spaces and leaves strings alone', () => {
    expect(fixTrailingDots('1./6. + x{a="2."}')).toBe('1 /6  + x{a="2."}');
    expect(fixTrailingDots('foo2.bar')).toBe('foo2.bar');
  });
});
