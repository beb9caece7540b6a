/**
 * A QueryRunner that sends every query to a ztsdb query service's Prometheus API
 * (form-encoded POST, as Grafana sends them) and reads the JSON answer back into the engine's
 * result shape, so the scripts' own comparison rules apply to what the API answers.
 */
import {
  labelsFrom,
  type Expr,
  type InstantSample,
  type QueryResult,
  type QueryValue,
  type Queryable,
} from '@ztsdb/promql';
import type { QueryRunner } from './runner';

interface ApiAnswer {
  status: 'success' | 'error';
  error?: string;
  warnings?: string[];
  infos?: string[];
  data?: { resultType: QueryValue['type']; result: unknown };
}

type Point = [number, string];
type Series = { metric: Record<string, string>; value?: Point; values?: Point[] };

/** A value string as Prometheus writes it: "NaN", "+Inf", "-Inf" or a decimal. */
export function parsePromValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  return Number(s);
}

function toValue(d: NonNullable<ApiAnswer['data']>, offsetMs: number): QueryValue {
  const ms = (secs: number): number => Math.round(secs * 1000) - offsetMs;
  switch (d.resultType) {
    case 'scalar': {
      const [t, v] = d.result as Point;
      return { type: 'scalar', timestampMs: ms(t), value: parsePromValue(v) };
    }
    case 'string': {
      const [t, v] = d.result as Point;
      return { type: 'string', timestampMs: ms(t), value: v };
    }
    case 'vector':
      return {
        type: 'vector',
        samples: (d.result as Series[]).map((s): InstantSample => ({
          labels: labelsFrom(Object.entries(s.metric)),
          timestampMs: ms(s.value![0]),
          value: parsePromValue(s.value![1]),
        })),
      };
    case 'matrix':
      return {
        type: 'matrix',
        series: (d.result as Series[]).map((s) => ({
          labels: labelsFrom(Object.entries(s.metric)),
          timestamps: s.values!.map((p) => ms(p[0])),
          values: s.values!.map((p) => parsePromValue(p[1])),
        })),
      };
  }
}

export class HttpQueryRunner implements QueryRunner {
  /** `base` gives the service's address, e.g. after a fresh stack was started. */
  constructor(
    private readonly base: () => Promise<string>,
    /** Added to every query time and taken off every answer's (the store's shift of its data). */
    private readonly offsetMs = 0,
  ) {}

  private secs(ms: number): string {
    return String((ms + this.offsetMs) / 1000);
  }

  private async ask(path: string, form: Record<string, string>): Promise<QueryResult> {
    const r = await fetch(`${await this.base()}/api/v1/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const body = (await r.json()) as ApiAnswer;
    if (body.status !== 'success') throw new Error(body.error);
    if (r.status !== 200) throw new Error(`status ${r.status} with a success body`);
    return {
      value: toValue(body.data!, this.offsetMs),
      warnings: body.warnings ?? [],
      infos: body.infos ?? [],
    };
  }

  instantQuery(_q: Queryable, query: string, timeMs: number): Promise<QueryResult> {
    return this.ask('query', { query, time: this.secs(timeMs) });
  }

  /** Only for an expression parsed from `query` unchanged: the text is what is sent. */
  instantQueryExpr(_q: Queryable, _e: Expr, query: string, timeMs: number): Promise<QueryResult> {
    return this.instantQuery(_q, query, timeMs);
  }

  rangeQuery(
    _q: Queryable,
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
  ): Promise<QueryResult> {
    return this.ask('query_range', {
      query,
      start: this.secs(startMs),
      end: this.secs(endMs),
      step: String(stepMs / 1000),
    });
  }

  rangeQueryExpr(
    q: Queryable,
    _e: Expr,
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
  ): Promise<QueryResult> {
    return this.rangeQuery(q, query, startMs, endMs, stepMs);
  }
}
