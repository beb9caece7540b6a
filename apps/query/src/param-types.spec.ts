import { InvalidInputError } from '@ztsdb/errors';
import { checkParamTypes, QUERY_PARAM_KINDS, SERIES_PARAM_KINDS } from './param-types';
import { normalizeParams } from './query-params.dto';

/** Values no parameter takes, as NATS JSON or a query string parser can send them. */
const ODD: Array<[string, unknown]> = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['an object', { a: 1 }],
  ['an empty object', {}],
  ['an empty list', []],
  ['a list with null', ['x', null]],
  ['a list of numbers', [1, 2]],
  ['a nested list', [['x']]],
  ['a list of objects', [{}]],
];
/** Odd only for parameters that are not times. */
const NUMBERS: Array<[string, unknown]> = [
  ['a number', 42],
  ['zero', 0],
];
/** Odd for every parameter (Infinity reaches us from JSON 1e400). */
const NON_FINITE: Array<[string, unknown]> = [
  ['Infinity', Infinity],
  ['NaN', NaN],
];
/** Lists: fine for match and match[], odd for the rest. */
const LISTS: Array<[string, unknown]> = [
  ['a list of strings', ['a', 'b']],
  ['a list of one string', ['a']],
];

const cases: Array<[string, string, string, unknown, boolean]> = [];
for (const [kinds, table] of [
  ['query', QUERY_PARAM_KINDS],
  ['series', SERIES_PARAM_KINDS],
] as const) {
  for (const [key, [kind]] of Object.entries(table)) {
    for (const [what, v] of [...ODD, ...NON_FINITE]) cases.push([kinds, key, what, v, false]);
    for (const [what, v] of NUMBERS) cases.push([kinds, key, what, v, kind === 'time']);
    for (const [what, v] of LISTS) cases.push([kinds, key, what, v, kind === 'texts']);
    cases.push([kinds, key, 'a string', 'x', true]);
  }
}

describe('parameter types', () => {
  it.each(cases)('%s: %s as %s (%p) → accepted=%p', (kinds, key, _what, value, ok) => {
    const table = kinds === 'query' ? QUERY_PARAM_KINDS : SERIES_PARAM_KINDS;
    const run = (): unknown => checkParamTypes({ [key]: value }, table);
    if (ok) {
      expect(run).not.toThrow();
      return;
    }
    let err: unknown;
    try {
      run();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).code).toBe('ZTSDB_BAD_PARAM');
    expect((err as InvalidInputError).message).toContain(`parameter "${key}"`);
    expect((err as InvalidInputError).context.param).toBe(key);
  });

  it('refuses parameters that are not an object', () => {
    for (const v of [null, 'x', 3, ['a']])
      expect(() => checkParamTypes(v, QUERY_PARAM_KINDS)).toThrow(/parameters must be an object/);
  });

  it('answers the reported request with a message naming "step"', () => {
    expect(() => normalizeParams({ step: null, match: ['container.cpu.*'], start: '-3s' })).toThrow(
      'parameter "step" must be a string or a number (a duration like 60s); got null',
    );
  });

  it('leaves absent and unknown parameters alone and turns numbers into text', () => {
    expect(normalizeParams({ start: 1_700_000_000_000, step: 60_000, other: null })).toEqual({
      start: '1700000000000',
      step: '60000',
      other: null,
    });
  });
});
