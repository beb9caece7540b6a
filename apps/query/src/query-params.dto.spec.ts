import { InvalidInputError } from '@ztsdb/errors';
import {
  normalizeParams,
  QUERY_PARAM_RULES,
  type ParamRules,
  SERIES_PARAM_RULES,
  validateParams,
} from './query-params.dto';

function problem<T extends object>(rules: ParamRules<T>, input: unknown): InvalidInputError {
  try {
    validateParams(rules, input);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return e as InvalidInputError;
  }
  throw new Error('no problem found');
}

describe('validateParams', () => {
  it('keeps the known parameters given and drops the rest', () => {
    const p = validateParams(
      QUERY_PARAM_RULES,
      normalizeParams({ match: 'cpu', start: 1, agg: 'sum', step: '60s', other: 'x' }),
    );
    expect(p).toEqual({ match: 'cpu', start: '1', agg: 'sum', step: '60s' });
    expect(validateParams(SERIES_PARAM_RULES, {})).toEqual({});
  });

  it('says what the decorators said, for each parameter at fault, in order', () => {
    const e = problem(QUERY_PARAM_RULES, {
      series: '',
      match: ['ok', 'm'.repeat(1025)],
      agg: 'median',
      lookback: 'l'.repeat(33),
    });
    expect(e.code).toBe('ZTSDB_BAD_PARAM');
    expect(e.message).toBe(
      [
        'parameter "series" is required, e.g. series=container.cpu.usage.abc123def456',
        'parameter "match" is longer than 1024 characters',
        'parameter "agg" must be one of sum, avg, min, max, count',
        'parameter "lookback" is too long',
      ].join('; '),
    );
    expect(e.context).toEqual({ params: ['series', 'match', 'agg', 'lookback'] });
  });

  it('counts lengths as validator.js does: a surrogate pair or a variation selector is no character', () => {
    const emoji = '\u{1F600}'; // two UTF-16 units, one character
    expect(validateParams(SERIES_PARAM_RULES, { match: emoji.repeat(512) })).toEqual({
      match: emoji.repeat(512),
    });
    expect(validateParams(SERIES_PARAM_RULES, { match: 'a\uFE0F'.repeat(512) }).match).toHaveLength(
      1024,
    );
    expect(problem(SERIES_PARAM_RULES, { match: 'a'.repeat(513) }).message).toBe(
      'parameter "match" is longer than 512 characters',
    );
  });

  it('refuses what is not an object', () => {
    expect(problem(QUERY_PARAM_RULES, ['x']).message).toBe('parameters must be an object');
  });
});
