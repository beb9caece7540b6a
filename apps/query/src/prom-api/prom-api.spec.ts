import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZtsdbError } from '@ztsdb/errors';
import {
  PromQLExecutionError,
  PromQLParseError,
  PromQLTimeoutError,
  PromQLTooManySamplesError,
  labelsFrom,
} from '@ztsdb/promql';
import { QueryBudget } from '../query-budget';
import { promFailureOf } from './prom-errors';
import { ZTSDB_VERSION } from './prom-metadata';
import { resultBody, successBody } from './prom-json';
import { durationParam, parseTimeMs, PromParams, timeParam } from './prom-params';

describe('Prometheus API parameters', () => {
  it('reads times as Unix seconds (to the millisecond) or RFC 3339', () => {
    expect(parseTimeMs('1435781451.781')).toBe(1435781451781);
    expect(parseTimeMs('1700000000')).toBe(1700000000000);
    expect(parseTimeMs('2015-07-01T20:10:51.781Z')).toBe(1435781451781);
    expect(parseTimeMs('2015-07-01T22:10:51+02:00')).toBe(1435781451000);
    expect(parseTimeMs('yesterday')).toBeUndefined();
  });

  it('says which parameter is wrong, in Prometheus words', () => {
    const p = PromParams.parse('time=abc&step=x');
    expect(() => timeParam(p, 'time', 0)).toThrow(
      'invalid parameter "time": cannot parse "abc" to a valid timestamp',
    );
    expect(() => durationParam(p, 'step')).toThrow(
      'invalid parameter "step": cannot parse "x" to a valid duration',
    );
  });

  it('takes durations as seconds or Prometheus durations', () => {
    expect(durationParam(PromParams.parse('step=15'), 'step')).toBe(15_000);
    expect(durationParam(PromParams.parse('step=0.5'), 'step')).toBe(500);
    expect(durationParam(PromParams.parse('step=1m30s'), 'step')).toBe(90_000);
  });

  it('merges the query string and the form body, keeping repeated names', () => {
    const p = PromParams.parse('match[]=a&x=1', 'match[]=b%7Bc%3D%22d%22%7D');
    expect(p.all('match[]')).toEqual(['a', 'b{c="d"}']);
    expect(p.get('x')).toBe('1');
    expect(PromParams.fromObject({ time: 12, q: 'up' }).get('time')).toBe('12');
  });
});

describe('Prometheus API errors', () => {
  it.each(
    [
      [new PromQLParseError('1:1: parse error: x'), 400, 'bad_data'],
      [new ZtsdbError('ZTSDB_BAD_PARAM', 'bad'), 400, 'bad_data'],
      [new PromQLExecutionError('many-to-many'), 422, 'execution'],
      [new PromQLTooManySamplesError(10), 422, 'execution'],
      [new ZtsdbError('ZTSDB_LIMIT', 'budget'), 422, 'execution'],
      [new PromQLTimeoutError('expression evaluation'), 503, 'timeout'],
      [new ZtsdbError('ZTSDB_TIMEOUT', 'late'), 503, 'timeout'],
      [new ZtsdbError('ZTSDB_BUSY', 'busy'), 503, 'unavailable'],
      [new Error('boom'), 500, 'internal'],
    ].map(([e, status, type]) => [(e as Error).message, status, type, e]),
  )('%s → %i %s', (_, status, errorType, e) => {
    expect(promFailureOf(e)).toMatchObject({ status, errorType });
  });
});

describe('Prometheus API JSON', () => {
  const budget = (): QueryBudget => new QueryBudget(1 << 20);

  it('writes values as strings, times as seconds, special floats as Prometheus does', () => {
    const labels = labelsFrom([
      ['__name__', 'm'],
      ['a', 'b'],
    ]);
    const body = resultBody(
      {
        type: 'vector',
        samples: [
          { labels, timestampMs: 1500, value: NaN },
          { labels: [], timestampMs: 1500, value: -Infinity },
          { labels: [], timestampMs: 1500, value: 1e21 },
        ],
      },
      {},
      budget(),
    );
    expect(JSON.parse(body.toString())).toEqual({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { __name__: 'm', a: 'b' }, value: [1.5, 'NaN'] },
          { metric: {}, value: [1.5, '-Inf'] },
          { metric: {}, value: [1.5, '1000000000000000000000'] },
        ],
      },
    });
  });

  it('writes matrices, scalars and strings, with warnings and infos only when there are some', () => {
    const m = resultBody(
      { type: 'matrix', series: [{ labels: [], timestamps: [0, 1000], values: [1, Infinity] }] },
      { warnings: ['w'], infos: [] },
      budget(),
    );
    expect(JSON.parse(m.toString())).toEqual({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: {},
            values: [
              [0, '1'],
              [1, '+Inf'],
            ],
          },
        ],
      },
      warnings: ['w'],
    });
    expect(
      JSON.parse(
        resultBody({ type: 'scalar', timestampMs: 2000, value: 2 }, {}, budget()).toString(),
      ),
    ).toEqual({
      status: 'success',
      data: { resultType: 'scalar', result: [2, '2'] },
    });
    expect(
      JSON.parse(
        resultBody({ type: 'string', timestampMs: 0, value: 'x' }, {}, budget()).toString(),
      ).data,
    ).toEqual({
      resultType: 'string',
      result: [0, 'x'],
    });
    expect(successBody([])).toBe('{"status":"success","data":[]}');
  });

  it('stops an answer larger than the query memory budget', () => {
    const series = Array.from({ length: 100 }, (_, i) => ({
      labels: labelsFrom([['i', String(i)]]),
      timestamps: [0],
      values: [i],
    }));
    expect(() => resultBody({ type: 'matrix', series }, {}, new QueryBudget(2000))).toThrow(
      /ZTSDB_QUERY_MAX_BYTES/,
    );
  });
});

describe('build info', () => {
  it('reports the version in package.json', () => {
    const pkg = JSON.parse(
      readFileSync(join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(ZTSDB_VERSION).toBe(pkg.version);
  });
});
