/**
 * Aggregation operators with `by` / `without`. Groups are fixed once per query (labels do not
 * change between steps); each step folds the values present at that step.
 */
import type * as ast from '../ast';
import { PromQLExecutionError } from '../errors';
import { dropLabels, keepLabels, labelsKey, METRIC_NAME, setLabel, type Labels } from '../labels';
import { isValidUtf8Label } from '../parser/literals';
import type { Evaluator } from './evaluator';
import { kahanInc, kahanMean } from './kahan';
import { quantileOfRange } from './quantile';
import { evalTopK } from './aggregate-k';
import { newStepSeries, type StepSeries, type Value } from './values';
import { formatFloat } from './format-float';
import { invalidQuantile } from './annotations';

export function groupLabels(labels: Labels, e: ast.AggregateExpr): Labels {
  const names = new Set(e.grouping);
  if (e.without) {
    names.add(METRIC_NAME);
    return dropLabels(labels, names);
  }
  return keepLabels(labels, names);
}

export async function evalAggregate(ev: Evaluator, e: ast.AggregateExpr): Promise<Value> {
  let param: Float64Array | undefined;
  let labelParam: string | undefined;
  if (e.param) {
    if (e.op === 'count_values') {
      const p = await ev.eval(e.param);
      labelParam = p.kind === 'string' ? p.value : '';
    } else {
      param = await ev.scalarArg(e.param);
    }
  }
  if (e.op === 'quantile' && param) warnQuantileParam(ev, param, e.param!.start);
  if (e.op === 'limit_ratio') {
    if (param!.some((x) => Number.isNaN(x))) throw new PromQLExecutionError('Ratio value is NaN');
    throw new PromQLExecutionError('aggregation limit_ratio is not supported');
  }
  const input = await ev.vector(e.expr);
  if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'limitk')
    return evalTopK(ev, e, input.series, param!);
  if (e.op === 'count_values') return countValues(ev, e, input.series, labelParam!);

  const groupOf: number[] = [];
  const groups: StepSeries[] = [];
  const byKey = new Map<string, number>();
  for (const s of input.series) {
    const lbls = groupLabels(s.labels, e);
    const key = labelsKey(lbls);
    let g = byKey.get(key);
    if (g === undefined) {
      g = groups.length;
      byKey.set(key, g);
      groups.push(newStepSeries(lbls, ev.steps));
    }
    groupOf.push(g);
  }
  const members: number[][] = groups.map(() => []);
  groupOf.forEach((g, si) => members[g]!.push(si));
  const buf = new Float64Array(input.series.length);
  for (let g = 0; g < groups.length; g++) {
    const out = groups[g]!;
    const idx = members[g]!;
    for (let i = 0; i < ev.steps; i++) {
      let n = 0;
      for (const si of idx) {
        const s = input.series[si]!;
        if (s.present[i]) buf[n++] = s.values[i]!;
      }
      if (n === 0) continue;
      out.values[i] = fold(e.op, buf, n, param ? param[i]! : NaN);
      out.present[i] = 1;
    }
  }
  return { kind: 'vector', series: groups.filter((s) => s.present.some((p) => p === 1)) };
}

function fold(op: ast.AggregateOp, v: Float64Array, n: number, q: number): number {
  switch (op) {
    case 'sum': {
      const s = { sum: 0, c: 0 };
      for (let i = 0; i < n; i++) kahanInc(v[i]!, s);
      return s.sum + s.c;
    }
    case 'avg':
      return kahanMean(v, 0, n);
    case 'count':
      return n;
    case 'group':
      return 1;
    case 'min':
    case 'max': {
      let r = v[0]!;
      for (let i = 1; i < n; i++) {
        const f = v[i]!;
        if ((op === 'min' ? r > f : r < f) || Number.isNaN(r)) r = f;
      }
      return r;
    }
    case 'stddev':
    case 'stdvar': {
      let mean = v[0]!;
      let m2 = Number.isFinite(v[0]!) ? 0 : NaN;
      for (let i = 1; i < n; i++) {
        const f = v[i]!;
        const delta = f - mean;
        mean += delta / (i + 1);
        m2 += delta * (f - mean);
      }
      return op === 'stdvar' ? m2 / n : Math.sqrt(m2 / n);
    }
    case 'quantile':
      return quantileOfRange(q, v, 0, n);
    default:
      throw new PromQLExecutionError(`aggregation ${op} is not supported`);
  }
}

function countValues(
  ev: Evaluator,
  e: ast.AggregateExpr,
  input: StepSeries[],
  label: string,
): Value {
  if (label === '' || !isValidUtf8Label(label)) {
    throw new PromQLExecutionError(`invalid label name ${JSON.stringify(label)}`);
  }
  const outputs = new Map<string, StepSeries>();
  for (let i = 0; i < ev.steps; i++) {
    for (const s of input) {
      if (!s.present[i]) continue;
      const lbls = setLabel(groupLabels(s.labels, e), label, formatFloat(s.values[i]!));
      const key = labelsKey(lbls);
      let out = outputs.get(key);
      if (!out) outputs.set(key, (out = newStepSeries(lbls, ev.steps)));
      out.values[i] = out.present[i] ? out.values[i]! + 1 : 1;
      out.present[i] = 1;
    }
  }
  return { kind: 'vector', series: [...outputs.values()] };
}

function warnQuantileParam(ev: Evaluator, q: Float64Array, at: number): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < q.length; i++) {
    const x = q[i]!;
    if (Number.isNaN(x)) return ev.annotate(invalidQuantile(NaN), at);
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  if (max > 1) ev.annotate(invalidQuantile(max), at);
  else if (min < 0) ev.annotate(invalidQuantile(min), at);
}
