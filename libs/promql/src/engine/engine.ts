/**
 * The public face of the evaluator: instant and range queries over a Queryable, with the
 * options Prometheus has (lookback delta, sample limit, timeout) and its result shapes.
 */
import type * as ast from '../ast';
import { typeOf } from '../ast';
import { PromQLExecutionError, PromQLParseError } from '../errors';
import { compareLabels, dropMetricName, labelsKey, type Labels } from '../labels';
import { parseCached } from '../parser/parse-cache';
import type { Queryable } from '../storage';
import { Evaluator, type EvaluatorOptions, type QueryState } from './evaluator';
import { upperBound, type StepSeries, type Value } from './values';

export interface EngineOptions {
  /** How far back an instant selector looks for a sample; default 5 minutes. */
  readonly lookbackDeltaMs?: number;
  /** Most samples a query may hold at once; default 50,000,000. */
  readonly maxSamples?: number;
  /** Step of subqueries written without one; default 1 minute. */
  readonly defaultSubqueryStepMs?: number;
  /** Remove `__name__` only at the end of evaluation; default false. */
  readonly delayedNameRemoval?: boolean;
  /** Longest a query may run; default 2 minutes. */
  readonly timeoutMs?: number;
}

export const DEFAULT_LOOKBACK_DELTA_MS = 5 * 60_000;
export const DEFAULT_MAX_SAMPLES = 50_000_000;

export interface InstantSample {
  readonly labels: Labels;
  readonly timestampMs: number;
  readonly value: number;
}

export interface RangeSeriesResult {
  readonly labels: Labels;
  readonly timestamps: number[];
  readonly values: number[];
}

export type QueryValue =
  | { readonly type: 'scalar'; readonly timestampMs: number; readonly value: number }
  | { readonly type: 'string'; readonly timestampMs: number; readonly value: string }
  | { readonly type: 'vector'; readonly samples: InstantSample[] }
  | { readonly type: 'matrix'; readonly series: RangeSeriesResult[] };

export interface QueryResult {
  readonly value: QueryValue;
  /** Annotations, already rendered as Prometheus renders them. */
  readonly warnings: string[];
  readonly infos: string[];
}

/** Where each query's evaluator and value go while set (retainQueryObjects). */
let retainInto: unknown[] | undefined;

/**
 * While `into` is set, every query's evaluator (with what it holds: the queryable, the query's
 * state) and its evaluated value are pushed onto it; undefined stops that. A start-up warm-up
 * keeps one query of each kind so: V8 throws away code compiled for a class's objects at the
 * first full GC after the last of them died, and these classes' objects live for one query only.
 */
export function retainQueryObjects(into: unknown[] | undefined): void {
  retainInto = into;
}

export class PromQLEngine {
  private readonly opts: Omit<EvaluatorOptions, 'deadlineMs'> & { timeoutMs: number };

  constructor(options: EngineOptions = {}) {
    this.opts = {
      lookbackDeltaMs: options.lookbackDeltaMs ?? DEFAULT_LOOKBACK_DELTA_MS,
      maxSamples: options.maxSamples ?? DEFAULT_MAX_SAMPLES,
      defaultSubqueryStepMs: options.defaultSubqueryStepMs ?? 60_000,
      delayedNameRemoval: options.delayedNameRemoval ?? false,
      timeoutMs: options.timeoutMs ?? 120_000,
    };
  }

  async instantQuery(queryable: Queryable, query: string, timeMs: number): Promise<QueryResult> {
    return this.instantQueryExpr(queryable, parseCached(query), query, timeMs);
  }

  /** An instant query of an already parsed expression; `query` is its text, for annotations. */
  async instantQueryExpr(
    queryable: Queryable,
    expr: ast.Expr,
    query: string,
    timeMs: number,
  ): Promise<QueryResult> {
    const { ev, state } = this.evaluator(queryable, query, timeMs, timeMs, 0);
    const v = await ev.eval(expr);
    retainInto?.push(ev, v);
    return { value: this.instantValue(ev, v), ...splitAnnotations(state) };
  }

  async rangeQuery(
    queryable: Queryable,
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
  ): Promise<QueryResult> {
    if (!(stepMs > 0))
      throw new PromQLParseError('zero or negative query resolution step widths are not accepted');
    if (endMs < startMs) throw new PromQLParseError('end timestamp must not be before start time');
    const expr = parseCached(query, { durations: { stepMs, rangeMs: endMs - startMs } });
    return this.rangeQueryExpr(queryable, expr, query, startMs, endMs, stepMs);
  }

  /** A range query of an already parsed expression; `query` is its text, for annotations. */
  async rangeQueryExpr(
    queryable: Queryable,
    expr: ast.Expr,
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
  ): Promise<QueryResult> {
    const t = typeOf(expr);
    if (t !== 'scalar' && t !== 'vector') {
      const name = t === 'matrix' ? 'range vector' : 'string';
      throw new PromQLParseError(
        `invalid expression type "${name}" for range query, must be Scalar or instant Vector`,
      );
    }
    const { ev, state } = this.evaluator(queryable, query, startMs, endMs, stepMs);
    const v = await ev.eval(expr);
    retainInto?.push(ev, v);
    let series: RangeSeriesResult[];
    if (v.kind === 'scalar') {
      series = [{ labels: [], timestamps: Array.from(ev.times), values: Array.from(v.values) }];
    } else if (v.kind === 'vector') {
      series = mergeSeries(
        v.series.map((s) => cleanup(s)),
        ev.times,
      );
    } else {
      throw new PromQLExecutionError(`unexpected ${v.kind} result for a range query`);
    }
    return { value: { type: 'matrix', series }, ...splitAnnotations(state) };
  }

  private evaluator(
    queryable: Queryable,
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
  ) {
    const state: QueryState = {
      samples: 0,
      queryStartMs: startMs,
      queryEndMs: endMs,
      queryStepMs: stepMs,
      query,
      annotations: new Set(),
    };
    const opts: EvaluatorOptions = { ...this.opts, deadlineMs: Date.now() + this.opts.timeoutMs };
    return { ev: new Evaluator(queryable, opts, startMs, endMs, stepMs, state), state };
  }

  private instantValue(ev: Evaluator, v: Value): QueryValue {
    const t = ev.startMs;
    switch (v.kind) {
      case 'scalar':
        return { type: 'scalar', timestampMs: t, value: v.values[0]! };
      case 'string':
        return { type: 'string', timestampMs: t, value: v.value };
      case 'vector': {
        const samples: InstantSample[] = [];
        const seen = new Set<string>();
        for (const s of v.series) {
          if (!s.present[0]) continue;
          const labels = cleanup(s).labels;
          const key = labelsKey(labels);
          if (seen.has(key))
            throw new PromQLExecutionError('vector cannot contain metrics with the same labelset');
          seen.add(key);
          samples.push({ labels, timestampMs: t, value: s.values[0]! });
        }
        return { type: 'vector', samples };
      }
      case 'matrix': {
        const end = v.windowEnd(0);
        const series: RangeSeriesResult[] = [];
        for (const s of v.series) {
          const hi = upperBound(s.timestamps, end);
          const lo = upperBound(s.timestamps, end - v.rangeMs, 0, hi);
          if (hi === lo) continue;
          series.push({
            labels: s.dropName ? dropMetricName(s.labels) : s.labels,
            timestamps: Array.from(s.timestamps.subarray(lo, hi)),
            values: Array.from(s.values.subarray(lo, hi)),
          });
        }
        return { type: 'matrix', series: series.sort((a, b) => compareLabels(a.labels, b.labels)) };
      }
    }
  }
}

function cleanup(s: StepSeries): StepSeries {
  if (s.dropName) {
    s.labels = dropMetricName(s.labels);
    s.dropName = false;
  }
  return s;
}

/** Range results: series that became equal after name removal merge, unless they overlap. */
function mergeSeries(list: StepSeries[], times: Float64Array): RangeSeriesResult[] {
  const byKey = new Map<string, StepSeries[]>();
  for (const s of list) {
    const key = labelsKey(s.labels);
    const l = byKey.get(key);
    if (l) l.push(s);
    else byKey.set(key, [s]);
  }
  const out: RangeSeriesResult[] = [];
  for (const group of byKey.values()) {
    const points =
      group.length === 1 ? presentPoints(group[0]!, times) : mergedPoints(group, times);
    if (points.timestamps.length > 0) out.push({ labels: group[0]!.labels, ...points });
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

/**
 * The steps where one series has a sample, into arrays of their final length: a range query's
 * answer of one raw series runs this once per step (3,601 times for an hour at 1 s), often
 * before V8 has compiled it, so it neither grows arrays nor walks a group.
 */
function presentPoints(
  s: StepSeries,
  times: Float64Array,
): { timestamps: number[]; values: number[] } {
  const present = s.present;
  let n = 0;
  for (let i = 0; i < times.length; i++) if (present[i] !== 0) n++;
  const timestamps = new Array<number>(n);
  const values = new Array<number>(n);
  for (let i = 0, k = 0; k < n; i++) {
    if (present[i] === 0) continue;
    timestamps[k] = times[i]!;
    values[k++] = s.values[i]!;
  }
  return { timestamps, values };
}

/** The steps of series sharing one label set, which must not both have a sample at one step. */
function mergedPoints(
  group: StepSeries[],
  times: Float64Array,
): { timestamps: number[]; values: number[] } {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < times.length; i++) {
    let n = 0;
    for (let g = 0; g < group.length; g++) {
      const s = group[g]!;
      if (!s.present[i]) continue;
      if (++n > 1)
        throw new PromQLExecutionError('vector cannot contain metrics with the same labelset');
      timestamps.push(times[i]!);
      values.push(s.values[i]!);
    }
  }
  return { timestamps, values };
}

function splitAnnotations(state: QueryState): { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  for (const a of state.annotations) (a.startsWith('PromQL info') ? infos : warnings).push(a);
  return { warnings, infos };
}
