/** Evaluates a function call: picks the family (range, element-wise, label, special) and runs it. */
import type * as ast from '../ast';
import { typeOf } from '../ast';
import { PromQLExecutionError } from '../errors';
import { getLabel, labelsFrom, METRIC_NAME, type Labels } from '../labels';
import { invalidQuantile, SORT_IN_RANGE } from '../engine/annotations';
import type { Evaluator } from '../engine/evaluator';
import {
  newStepSeries,
  StepSeriesSlab,
  upperBound,
  type StepSeries,
  type Value,
  type VectorValue,
} from '../engine/values';
import { histogramQuantile } from './histogram-quantile';
import { DATE_FUNCTIONS, MATH_FUNCTIONS } from './instant-functions';
import { labelJoin, labelReplace, sortByLabel, sortByValue } from './label-functions';
import { RANGE_FUNCTIONS, type Window } from './range-functions';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const KEEP_NAME = new Set(['last_over_time', 'first_over_time']);
const UNSUPPORTED = new Set([
  'histogram_count',
  'histogram_sum',
  'histogram_avg',
  'histogram_stddev',
  'histogram_stdvar',
  'histogram_fraction',
  'info',
]);

export async function evalCall(ev: Evaluator, e: ast.Call): Promise<Value> {
  const name = e.func;
  if (UNSUPPORTED.has(name)) {
    throw new PromQLExecutionError(
      `function ${name} needs native histograms, which are not supported`,
    );
  }
  if (name === 'absent_over_time') return absentOverTime(ev, e);
  if (RANGE_FUNCTIONS[name]) return rangeFunction(ev, e);
  switch (name) {
    case 'time':
      return ev.scalar((t) => t / 1000);
    case 'pi':
      return ev.scalar(() => Math.PI);
    case 'step':
      return ev.scalar(() => ev.state.queryStepMs / 1000);
    case 'range':
      return ev.scalar(() => (ev.state.queryEndMs - ev.state.queryStartMs) / 1000);
    case 'start':
      return ev.scalar(() => ev.state.queryStartMs / 1000);
    case 'end':
      return ev.scalar(() => ev.state.queryEndMs / 1000);
    case 'vector': {
      const v = await ev.scalarArg(e.args[0]!);
      const s = newStepSeries([], ev.steps);
      s.values.set(v);
      s.present.fill(1);
      return { kind: 'vector', series: [s] };
    }
    case 'scalar': {
      const v = await ev.vector(e.args[0]!);
      return ev.scalar((_, i) => {
        let found = NaN;
        let n = 0;
        for (const s of v.series) {
          if (s.present[i]) {
            found = s.values[i]!;
            n++;
          }
        }
        return n === 1 ? found : NaN;
      });
    }
    case 'absent':
      return absent(ev, e, await ev.vector(e.args[0]!));
    case 'timestamp': {
      const arg = e.args[0]!;
      const v =
        arg.type === 'vectorSelector' ? await ev.vectorSelector(arg, true) : await ev.vector(arg);
      for (const s of v.series) {
        if (arg.type !== 'vectorSelector') {
          for (let i = 0; i < ev.steps; i++) s.values[i] = ev.times[i]! / 1000;
        }
        ev.dropName(s);
      }
      return ev.distinct(v);
    }
    case 'histogram_quantile':
      return histogramQuantile(
        ev,
        [{ values: await ev.scalarArg(e.args[0]!), at: e.args[0]!.start }],
        await ev.vector(e.args[1]!),
        e.args[1]!.start,
      );
    case 'histogram_quantiles': {
      const v = await ev.vector(e.args[0]!);
      const [label] = await strings(ev, [e.args[1]!]);
      const qs = [];
      for (const a of e.args.slice(2)) qs.push({ values: await ev.scalarArg(a), at: a.start });
      return histogramQuantile(ev, qs, v, e.args[0]!.start, label);
    }
    case 'label_replace': {
      const v = await ev.vector(e.args[0]!);
      const [dst, repl, src, re] = await strings(ev, e.args.slice(1));
      return ev.distinct({
        kind: 'vector',
        series: labelReplace(v.series, dst!, repl!, src!, re!),
      });
    }
    case 'label_join': {
      const v = await ev.vector(e.args[0]!);
      const [dst, sep, ...srcs] = await strings(ev, e.args.slice(1));
      return ev.distinct({ kind: 'vector', series: labelJoin(v.series, dst!, sep!, srcs) });
    }
    case 'sort':
    case 'sort_desc': {
      if (ev.state.queryStartMs !== ev.state.queryEndMs) ev.annotate(SORT_IN_RANGE, e.start);
      const v = await ev.vector(e.args[0]!);
      return { kind: 'vector', series: sortByValue(v.series, name === 'sort_desc') };
    }
    case 'sort_by_label':
    case 'sort_by_label_desc': {
      if (ev.state.queryStartMs !== ev.state.queryEndMs) ev.annotate(SORT_IN_RANGE, e.start);
      const v = await ev.vector(e.args[0]!);
      const names = await strings(ev, e.args.slice(1));
      return {
        kind: 'vector',
        series: sortByLabel(v.series, names, name === 'sort_by_label_desc'),
      };
    }
  }
  if (DATE_FUNCTIONS[name]) return dateFunction(ev, e, DATE_FUNCTIONS[name]);
  if (MATH_FUNCTIONS[name]) return mathFunction(ev, e, MATH_FUNCTIONS[name]);
  throw new PromQLExecutionError(`function ${name} is not supported`);
}

async function strings(ev: Evaluator, args: readonly ast.Expr[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    const v = await ev.eval(a);
    if (v.kind !== 'string')
      throw new PromQLExecutionError(`expected a string argument, got ${v.kind}`);
    out.push(v.value);
  }
  return out;
}

async function mathFunction(
  ev: Evaluator,
  e: ast.Call,
  f: (v: number, p: readonly number[]) => number,
): Promise<VectorValue> {
  const v = await ev.vector(e.args[0]!);
  const params: Float64Array[] = [];
  for (const a of e.args.slice(1)) params.push(await ev.scalarArg(a));
  const p: number[] = new Array<number>(params.length);
  const out: StepSeries[] = [];
  for (const s of v.series) {
    for (let i = 0; i < ev.steps; i++) {
      if (!s.present[i]) continue;
      for (let k = 0; k < params.length; k++) p[k] = params[k]![i]!;
      if (e.func === 'clamp' && p[1]! < p[0]!) {
        s.present[i] = 0;
        continue;
      }
      s.values[i] = f(s.values[i]!, p);
    }
    if (s.present.includes(1)) out.push(ev.dropName(s));
  }
  return ev.distinct({ kind: 'vector', series: out });
}

async function dateFunction(
  ev: Evaluator,
  e: ast.Call,
  f: (v: number) => number,
): Promise<VectorValue> {
  if (e.args.length === 0) {
    const s = newStepSeries([], ev.steps);
    for (let i = 0; i < ev.steps; i++) s.values[i] = f(Math.trunc(ev.times[i]! / 1000));
    s.present.fill(1);
    return { kind: 'vector', series: [s] };
  }
  const v = await ev.vector(e.args[0]!);
  for (const s of v.series) {
    for (let i = 0; i < ev.steps; i++) {
      if (!s.present[i]) continue;
      const x = s.values[i]!;
      s.values[i] = Number.isFinite(x) ? f(x) : NaN;
    }
    ev.dropName(s);
  }
  return ev.distinct(v);
}

async function rangeFunction(ev: Evaluator, e: ast.Call): Promise<VectorValue> {
  const fn = RANGE_FUNCTIONS[e.func]!;
  const mIdx = e.args.findIndex((a) => typeOf(a) === 'matrix');
  const params: Float64Array[] = [];
  for (let k = 0; k < e.args.length; k++)
    if (k !== mIdx) params.push(await ev.scalarArg(e.args[k]!));
  const m = await ev.matrix(e.args[mIdx]!);
  const out: StepSeries[] = [];
  const p: number[] = new Array<number>(params.length);
  const slab = new StepSeriesSlab(m.series.length, ev.steps);
  for (let si = 0; si < m.series.length; si++) {
    const s = m.series[si]!;
    if ((si & 1023) === 0) ev.checkDeadline('expression evaluation');
    const r = slab.take(s.labels, s.dropName);
    let any = false;
    // One window per series, moved along the steps: range functions read it and keep nothing.
    const w: Mutable<Window> = {
      ts: s.timestamps,
      vs: s.values,
      lo: 0,
      hi: 0,
      end: 0,
      rangeMs: m.rangeMs,
      stepTime: 0,
      params: p,
    };
    for (let i = 0; i < ev.steps; i++) {
      const end = m.windowEnd(i);
      const hi = upperBound(s.timestamps, end);
      w.lo = upperBound(s.timestamps, end - m.rangeMs, 0, hi);
      w.hi = hi;
      w.end = end;
      w.stepTime = ev.times[i]!;
      for (let k = 0; k < params.length; k++) p[k] = params[k]![i]!;
      const v = fn(w);
      if (v === undefined) continue;
      r.values[i] = v;
      r.present[i] = 1;
      any = true;
    }
    if (!any) {
      slab.untake();
      continue;
    }
    if (e.func === 'rate' || e.func === 'increase') {
      const name = getLabel(s.labels, METRIC_NAME);
      if (name !== '' && !/_(total|sum|count|bucket)$/.test(name)) {
        ev.annotate(
          `PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${JSON.stringify(name)}`,
          e.args[mIdx]!.start,
        );
      }
    }
    if (e.func === 'quantile_over_time') warnQuantiles(ev, params[0]!, e.args[0]!.start);
    out.push(KEEP_NAME.has(e.func) ? r : ev.dropName(r));
  }
  ev.account(out.length * ev.steps);
  return ev.distinct({ kind: 'vector', series: out });
}

/** The labels `absent` gives its output: the selector's equality matchers (not the name). */
function absentLabels(arg: ast.Expr): Labels {
  while (arg.type === 'paren') arg = arg.expr;
  let sel: ast.VectorSelector | undefined;
  if (arg.type === 'vectorSelector') sel = arg;
  else if (arg.type === 'matrixSelector') sel = arg.selector;
  if (!sel) return [];
  const seen = new Map<string, string | null>();
  for (const m of sel.matchers) {
    if (m.name === '__name__') continue;
    if (m.type !== '=') {
      if (!seen.has(m.name)) continue;
      seen.set(m.name, null);
      continue;
    }
    seen.set(m.name, seen.has(m.name) ? null : m.value);
  }
  const pairs: [string, string][] = [];
  for (const [n, v] of seen) if (v !== null) pairs.push([n, v]);
  return labelsFrom(pairs);
}

function absent(ev: Evaluator, e: ast.Call, v: VectorValue): VectorValue {
  const s = newStepSeries(absentLabels(e.args[0]!), ev.steps);
  for (let i = 0; i < ev.steps; i++) {
    if (v.series.some((x) => x.present[i])) continue;
    s.values[i] = 1;
    s.present[i] = 1;
  }
  return { kind: 'vector', series: s.present.includes(1) ? [s] : [] };
}

async function absentOverTime(ev: Evaluator, e: ast.Call): Promise<VectorValue> {
  const m = await ev.matrix(e.args[0]!);
  const s = newStepSeries(absentLabels(e.args[0]!), ev.steps);
  for (let i = 0; i < ev.steps; i++) {
    const end = m.windowEnd(i);
    const found = m.series.some((x) => {
      const hi = upperBound(x.timestamps, end);
      return hi > 0 && x.timestamps[hi - 1]! > end - m.rangeMs;
    });
    if (found) continue;
    s.values[i] = 1;
    s.present[i] = 1;
  }
  return { kind: 'vector', series: s.present.includes(1) ? [s] : [] };
}

function warnQuantiles(ev: Evaluator, q: Float64Array, at: number): void {
  for (let i = 0; i < q.length; i++) {
    const x = q[i]!;
    if (Number.isNaN(x) || x < 0 || x > 1) {
      ev.annotate(invalidQuantile(x), at);
      return;
    }
  }
}
