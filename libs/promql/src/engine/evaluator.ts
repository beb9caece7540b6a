/**
 * Evaluates an AST over all steps of a query at once. Each selector is read from storage once,
 * for the widest range any step needs; steps then work on the typed arrays. Subqueries run a
 * nested evaluator over their own aligned steps.
 */
import type * as ast from '../ast';
import { PromQLExecutionError, PromQLTimeoutError, PromQLTooManySamplesError } from '../errors';
import { dropMetricName, labelsKey, type Labels } from '../labels';
import type { Queryable } from '../storage';
import { isStaleNaN } from '../storage';
import { evalAggregate } from './aggregate';
import { evalBinary } from './binary';
import { evalCall } from '../functions/call';
import {
  StepSeriesSlab,
  upperBound,
  type MatrixValue,
  type RangeSeries,
  type ScalarValue,
  type StepSeries,
  type Value,
  type VectorValue,
} from './values';

export interface EvaluatorOptions {
  readonly lookbackDeltaMs: number;
  readonly maxSamples: number;
  /** Step of a subquery written without one (`[5m:]`). */
  readonly defaultSubqueryStepMs: number;
  /** Keep `__name__` until the end of evaluation, as Prometheus's delayed name removal does. */
  readonly delayedNameRemoval: boolean;
  /** Epoch ms after which evaluation stops with a timeout error; Infinity for none. */
  readonly deadlineMs: number;
}

/** State shared by an evaluator and its nested subquery evaluators. */
export interface QueryState {
  samples: number;
  readonly queryStartMs: number;
  readonly queryEndMs: number;
  readonly queryStepMs: number;
  /** The query text, to render annotation positions. */
  readonly query: string;
  readonly annotations: Set<string>;
}

export class Evaluator {
  readonly steps: number;
  /** Evaluation time of each step, ms. */
  readonly times: Float64Array;

  constructor(
    readonly queryable: Queryable,
    readonly opts: EvaluatorOptions,
    readonly startMs: number,
    readonly endMs: number,
    readonly intervalMs: number,
    readonly state: QueryState,
  ) {
    this.steps = intervalMs > 0 ? Math.floor((endMs - startMs) / intervalMs) + 1 : 1;
    this.times = new Float64Array(this.steps);
    for (let i = 0; i < this.steps; i++) this.times[i] = startMs + i * intervalMs;
  }

  /** Adds to the count of samples held; throws when over the limit. */
  account(n: number): void {
    this.state.samples += n;
    if (this.state.samples > this.opts.maxSamples)
      throw new PromQLTooManySamplesError(this.opts.maxSamples);
  }

  checkDeadline(where: string): void {
    if (Date.now() > this.opts.deadlineMs) throw new PromQLTimeoutError(where);
  }

  /** Drops `__name__` now, or marks it for removal at the end (delayed name removal). */
  dropName<T extends { labels: Labels; dropName: boolean }>(s: T): T {
    if (this.opts.delayedNameRemoval) s.dropName = true;
    else s.labels = dropMetricName(s.labels);
    return s;
  }

  /**
   * Without delayed name removal a function's output must not hold two series with the same
   * labels at one step (Prometheus checks this at once; with delayed removal, at the end).
   */
  distinct(v: VectorValue): VectorValue {
    if (this.opts.delayedNameRemoval) return v;
    const byKey = new Map<string, StepSeries[]>();
    for (const s of v.series) {
      const key = labelsKey(s.labels);
      const same = byKey.get(key);
      if (!same) {
        byKey.set(key, [s]);
        continue;
      }
      for (const o of same) {
        for (let i = 0; i < this.steps; i++) {
          if (o.present[i] && s.present[i]) {
            throw new PromQLExecutionError('vector cannot contain metrics with the same labelset');
          }
        }
      }
      same.push(s);
    }
    return v;
  }

  async eval(e: ast.Expr): Promise<Value> {
    this.checkDeadline('expression evaluation');
    switch (e.type) {
      case 'number':
        return this.scalar(() => e.value);
      case 'string':
        return { kind: 'string', value: e.value };
      case 'paren':
      case 'stepInvariant':
        return this.eval(e.expr);
      case 'unary': {
        const v = await this.eval(e.expr);
        if (e.op === '+') return v;
        if (v.kind === 'scalar') return { kind: 'scalar', values: v.values.map((x) => -x) };
        if (v.kind !== 'vector')
          throw new PromQLExecutionError('unary minus on a non-vector value');
        for (const s of v.series) {
          for (let i = 0; i < s.values.length; i++) s.values[i] = -s.values[i]!;
          this.dropName(s);
        }
        return v;
      }
      case 'vectorSelector':
        return this.vectorSelector(e);
      case 'matrixSelector':
        return this.matrixSelector(e);
      case 'subquery':
        return this.subquery(e);
      case 'binary':
        return evalBinary(this, e);
      case 'aggregate':
        return evalAggregate(this, e);
      case 'call':
        return evalCall(this, e);
    }
  }

  scalar(f: (t: number, i: number) => number): ScalarValue {
    const values = new Float64Array(this.steps);
    for (let i = 0; i < this.steps; i++) values[i] = f(this.times[i]!, i);
    return { kind: 'scalar', values };
  }

  /** The time a selector or subquery looks at for each step, after `@` and `offset`. */
  selectorTimes(at: ast.AtModifier | undefined, offsetMs: number): Float64Array {
    const out = new Float64Array(this.steps);
    let fixed: number | undefined;
    if (at) {
      fixed =
        at.kind === 'time'
          ? at.timeMs
          : at.kind === 'start'
            ? this.state.queryStartMs
            : this.state.queryEndMs;
    }
    for (let i = 0; i < this.steps; i++) out[i] = (fixed ?? this.times[i]!) - offsetMs;
    return out;
  }

  /** Instant vector of a selector; with sampleTimes the values are the samples' times in seconds. */
  async vectorSelector(sel: ast.VectorSelector, sampleTimes = false): Promise<VectorValue> {
    const ts = this.selectorTimes(sel.at, sel.offsetMs);
    const lookback = this.opts.lookbackDeltaMs;
    const [minT, maxT] = bounds(ts);
    const stored = await this.queryable.select(sel.matchers, minT - lookback + 1, maxT, {
      sampleTimes: ts,
    });
    const out: VectorValue = { kind: 'vector', series: [] };
    let produced = 0;
    const slab = new StepSeriesSlab(stored.length, this.steps);
    for (let si = 0; si < stored.length; si++) {
      const s = stored[si]!;
      if ((si & 1023) === 0) this.checkDeadline('expression evaluation');
      const r = slab.take(s.labels);
      let any = false;
      const n = s.timestamps.length;
      // The step times never go down: with about as many steps as points, the last point at
      // or before each is found by walking on from the previous step's instead of searching.
      const walk = this.steps * 8 >= n;
      let j = -1;
      for (let i = 0; i < this.steps; i++) {
        const t = ts[i]!;
        if (walk) while (j + 1 < n && s.timestamps[j + 1]! <= t) j++;
        else j = upperBound(s.timestamps, t) - 1;
        if (j < 0 || s.timestamps[j]! <= t - lookback) continue;
        const v = s.values[j]!;
        if (isStaleNaN(v)) continue;
        r.values[i] = sampleTimes ? s.timestamps[j]! / 1000 : v;
        r.present[i] = 1;
        any = true;
        produced++;
      }
      if (any) out.series.push(r);
      else slab.untake();
    }
    this.account(produced);
    return out;
  }

  async matrixSelector(m: ast.MatrixSelector): Promise<MatrixValue> {
    const sel = m.selector;
    const ts = this.selectorTimes(sel.at, sel.offsetMs);
    const [minT, maxT] = bounds(ts);
    const stored = await this.queryable.select(sel.matchers, minT - m.rangeMs + 1, maxT);
    const series: RangeSeries[] = [];
    for (const s of stored) {
      this.account(s.timestamps.length);
      let stale = 0;
      for (let i = 0; i < s.values.length; i++) if (isStaleNaN(s.values[i]!)) stale++;
      if (stale === 0) {
        series.push({
          labels: s.labels,
          timestamps: s.timestamps,
          values: s.values,
          dropName: false,
        });
        continue;
      }
      const t2 = new Float64Array(s.values.length - stale);
      const v2 = new Float64Array(s.values.length - stale);
      let k = 0;
      for (let i = 0; i < s.values.length; i++) {
        if (isStaleNaN(s.values[i]!)) continue;
        t2[k] = s.timestamps[i]!;
        v2[k++] = s.values[i]!;
      }
      if (k > 0) series.push({ labels: s.labels, timestamps: t2, values: v2, dropName: false });
    }
    return { kind: 'matrix', series, rangeMs: m.rangeMs, windowEnd: (i) => ts[i]! };
  }

  async subquery(sq: ast.SubqueryExpr): Promise<MatrixValue> {
    const ts = this.selectorTimes(sq.at, sq.offsetMs);
    const step = sq.stepMs > 0 ? sq.stepMs : this.opts.defaultSubqueryStepMs;
    const [minT, maxT] = bounds(ts);
    const from = minT - sq.rangeMs;
    // Inner steps sit on multiples of the step, strictly after the window's open start.
    let start = Math.floor(from / step) * step;
    if (start <= from) start += step;
    const series: RangeSeries[] = [];
    if (start <= maxT) {
      const inner = new Evaluator(this.queryable, this.opts, start, maxT, step, this.state);
      const v = await inner.eval(sq.expr);
      if (v.kind !== 'vector' && v.kind !== 'scalar') {
        throw new PromQLExecutionError('subquery is only allowed on instant vector');
      }
      const list =
        v.kind === 'scalar'
          ? [
              {
                labels: [],
                values: v.values,
                present: new Uint8Array(inner.steps).fill(1),
                dropName: false,
              },
            ]
          : v.series;
      for (const s of list) {
        let n = 0;
        for (let i = 0; i < inner.steps; i++) n += s.present[i]!;
        if (n === 0) continue;
        const t2 = new Float64Array(n);
        const v2 = new Float64Array(n);
        let k = 0;
        for (let i = 0; i < inner.steps; i++) {
          if (!s.present[i]) continue;
          t2[k] = inner.times[i]!;
          v2[k++] = s.values[i]!;
        }
        series.push({ labels: s.labels, timestamps: t2, values: v2, dropName: s.dropName });
      }
    }
    return { kind: 'matrix', series, rangeMs: sq.rangeMs, windowEnd: (i) => ts[i]! };
  }

  /** Evaluates an expression that must yield an instant vector. */
  async vector(e: ast.Expr): Promise<VectorValue> {
    const v = await this.eval(e);
    if (v.kind !== 'vector')
      throw new PromQLExecutionError(`expected an instant vector, got ${v.kind}`);
    return v;
  }

  async scalarArg(e: ast.Expr): Promise<Float64Array> {
    const v = await this.eval(e);
    if (v.kind !== 'scalar') throw new PromQLExecutionError(`expected a scalar, got ${v.kind}`);
    return v.values;
  }

  async matrix(e: ast.Expr): Promise<MatrixValue> {
    const v = await this.eval(e);
    if (v.kind !== 'matrix')
      throw new PromQLExecutionError(`expected a range vector, got ${v.kind}`);
    return v;
  }

  /** Records an annotation (warning or info), rendered with the line:column it is about. */
  annotate(message: string, at: number): void {
    let line = 1;
    let col = 1;
    for (let i = 0; i < at && i < this.state.query.length; i++) {
      if (this.state.query[i] === '\n') {
        line++;
        col = 1;
      } else col++;
    }
    this.state.annotations.add(`${message} (${line}:${col})`);
  }
}

// Indexed, not for-of: until V8 compiles it, a for-of makes an iterator result per step.
function bounds(ts: Float64Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (t < min) min = t;
    if (t > max) max = t;
  }
  return [min, max];
}
