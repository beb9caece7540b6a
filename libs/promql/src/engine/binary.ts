/**
 * Binary operators: arithmetic, comparison (filtering or `bool`), and the set operators, between
 * scalars and vectors, with Prometheus's vector matching (`on`, `ignoring`, `group_left`,
 * `group_right`) and its errors for ambiguous matches. Matching is decided per step.
 */
import type * as ast from '../ast';
import { PromQLExecutionError } from '../errors';
import {
  dropMetricName,
  formatLabelSet,
  groupingKey,
  keepLabels,
  labelsKey,
  METRIC_NAME,
  setLabel,
  dropLabels,
  getLabel,
  type Labels,
} from '../labels';
import type { Evaluator } from './evaluator';
import {
  newStepSeries,
  type ScalarValue,
  type StepSeries,
  type Value,
  type VectorValue,
} from './values';

const COMPARISON = new Set(['==', '!=', '>', '<', '>=', '<=']);

/** Go's math.Pow where it differs from JavaScript's. */
function goPow(a: number, b: number): number {
  if (b === 0 || a === 1) return 1;
  if (a === -1 && !Number.isFinite(b) && !Number.isNaN(b)) return 1;
  return Math.pow(a, b);
}

export function arithmetic(op: ast.BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return goPow(a, b);
    case 'atan2':
      return Math.atan2(a, b);
    default:
      throw new PromQLExecutionError(`operator ${op} is not an arithmetic operator`);
  }
}

export function compare(op: ast.BinaryOp, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '<':
      return a < b;
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    default:
      throw new PromQLExecutionError(`operator ${op} is not a comparison operator`);
  }
}

export async function evalBinary(ev: Evaluator, e: ast.BinaryExpr): Promise<Value> {
  const lhs = await ev.eval(e.lhs);
  const rhs = await ev.eval(e.rhs);
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') return scalarScalar(e, lhs, rhs);
  if (lhs.kind === 'vector' && rhs.kind === 'scalar')
    return vectorScalar(ev, e, lhs, rhs.values, false);
  if (lhs.kind === 'scalar' && rhs.kind === 'vector')
    return vectorScalar(ev, e, rhs, lhs.values, true);
  if (lhs.kind === 'vector' && rhs.kind === 'vector') {
    const m = e.matching!;
    if (e.op === 'and' || e.op === 'or' || e.op === 'unless')
      return setOperation(ev, e.op, m, lhs, rhs);
    return vectorVector(ev, e, m, lhs, rhs);
  }
  throw new PromQLExecutionError(`binary operator ${e.op} between ${lhs.kind} and ${rhs.kind}`);
}

function scalarScalar(e: ast.BinaryExpr, l: ScalarValue, r: ScalarValue): ScalarValue {
  const out = new Float64Array(l.values.length);
  for (let i = 0; i < out.length; i++) {
    const a = l.values[i]!;
    const b = r.values[i]!;
    out[i] = COMPARISON.has(e.op) ? (compare(e.op, a, b) ? 1 : 0) : arithmetic(e.op, a, b);
  }
  return { kind: 'scalar', values: out };
}

function vectorScalar(
  ev: Evaluator,
  e: ast.BinaryExpr,
  vec: VectorValue,
  sc: Float64Array,
  swap: boolean,
): VectorValue {
  const isCmp = COMPARISON.has(e.op);
  const out: StepSeries[] = [];
  for (const s of vec.series) {
    const r = newStepSeries(s.labels, ev.steps, s.dropName);
    let any = false;
    for (let i = 0; i < ev.steps; i++) {
      if (!s.present[i]) continue;
      const v = s.values[i]!;
      const a = swap ? sc[i]! : v;
      const b = swap ? v : sc[i]!;
      if (isCmp) {
        const keep = compare(e.op, a, b);
        if (e.returnBool) r.values[i] = keep ? 1 : 0;
        else if (!keep) continue;
        else r.values[i] = v;
      } else {
        r.values[i] = arithmetic(e.op, a, b);
      }
      r.present[i] = 1;
      any = true;
    }
    if (!any) continue;
    if (!isCmp) r.labels = dropMetricName(r.labels);
    else if (e.returnBool) ev.dropName(r);
    out.push(r);
  }
  return { kind: 'vector', series: out };
}

function signature(labels: Labels, m: ast.VectorMatching): string {
  const names = new Set(m.labels);
  if (m.on) return groupingKey(labels, names, true);
  names.add(METRIC_NAME);
  return groupingKey(labels, names, false);
}

function matchLabels(labels: Labels, m: ast.VectorMatching): Labels {
  const names = new Set(m.labels);
  if (m.on) return keepLabels(labels, names);
  names.add(METRIC_NAME);
  return dropLabels(labels, names);
}

function vectorVector(
  ev: Evaluator,
  e: ast.BinaryExpr,
  m: ast.VectorMatching,
  lhsV: VectorValue,
  rhsV: VectorValue,
): VectorValue {
  const swapped = m.card === 'one-to-many';
  const many = swapped ? rhsV.series : lhsV.series;
  const one = swapped ? lhsV.series : rhsV.series;
  // Match signatures become small integers once, so each step works on typed arrays.
  const sigIds = new Map<string, number>();
  const sigId = (labels: Labels): number => {
    const sig = signature(labels, m);
    let id = sigIds.get(sig);
    if (id === undefined) sigIds.set(sig, (id = sigIds.size));
    return id;
  };
  const manySig = Int32Array.from(many, (s) => sigId(s.labels));
  const oneSig = Int32Array.from(one, (s) => sigId(s.labels));
  const rightAt = new Int32Array(sigIds.size).fill(-1);
  const matched = new Uint8Array(sigIds.size);
  const touched: number[] = [];
  const isCmp = COMPARISON.has(e.op);
  const outputs = new Map<string, StepSeries>();
  interface Pair {
    key: string;
    out: StepSeries | undefined;
  }
  const pairs = new Map<number, Pair>();
  const pairOf = (li: number, ri: number): Pair => {
    const id = li * one.length + ri;
    let p = pairs.get(id);
    if (p) return p;
    let lbls = many[li]!.labels;
    if (!isCmp || (e.returnBool && !ev.opts.delayedNameRemoval)) lbls = dropMetricName(lbls);
    if (m.card === 'one-to-one') {
      const names = new Set(m.labels);
      lbls = m.on ? keepLabels(lbls, names) : dropLabels(lbls, names);
    }
    for (const ln of m.include) lbls = setLabel(lbls, ln, getLabel(one[ri]!.labels, ln));
    const key = labelsKey(lbls);
    let out = outputs.get(key);
    if (!out) {
      out = newStepSeries(lbls, ev.steps, e.returnBool && ev.opts.delayedNameRemoval);
      outputs.set(key, out);
    }
    p = { key, out };
    pairs.set(id, p);
    return p;
  };
  const inserted = new Map<number, Set<string>>();
  for (let i = 0; i < ev.steps; i++) {
    for (const t of touched) {
      rightAt[t] = -1;
      matched[t] = 0;
    }
    touched.length = 0;
    inserted.clear();
    for (let r = 0; r < one.length; r++) {
      if (!one[r]!.present[i]) continue;
      const sig = oneSig[r]!;
      const prev = rightAt[sig]!;
      if (prev >= 0) {
        const side = swapped ? 'left' : 'right';
        const pair = [formatLabelSet(one[r]!.labels), formatLabelSet(one[prev]!.labels)].sort();
        const group = formatLabelSet(matchLabels(one[r]!.labels, m));
        throw new PromQLExecutionError(
          `found duplicate series for the match group ${group} on the ${side} hand-side of the operation: [${pair.join(', ')}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
      rightAt[sig] = r;
      touched.push(sig);
    }
    if (touched.length === 0) continue;
    for (let l = 0; l < many.length; l++) {
      const ls = many[l]!;
      if (!ls.present[i]) continue;
      const sig = manySig[l]!;
      const r = rightAt[sig]!;
      if (r < 0) continue;
      const rs = one[r]!;
      const a = swapped ? rs.values[i]! : ls.values[i]!;
      const b = swapped ? ls.values[i]! : rs.values[i]!;
      let value: number;
      let keep = true;
      if (isCmp) {
        keep = compare(e.op, a, b);
        value = e.returnBool ? (keep ? 1 : 0) : a;
      } else {
        value = arithmetic(e.op, a, b);
      }
      const pair = pairOf(l, r);
      if (m.card === 'one-to-one') {
        if (matched[sig]) {
          throw new PromQLExecutionError(
            'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
          );
        }
        matched[sig] = 1;
      } else {
        let set = inserted.get(sig);
        if (!set) inserted.set(sig, (set = new Set()));
        if (set.has(pair.key)) {
          throw new PromQLExecutionError(
            'multiple matches for labels: grouping labels must ensure unique matches',
          );
        }
        set.add(pair.key);
      }
      if (!keep && !e.returnBool) continue;
      pair.out!.values[i] = value;
      pair.out!.present[i] = 1;
    }
  }
  return { kind: 'vector', series: [...outputs.values()].filter((s) => s.present.includes(1)) };
}

function setOperation(
  ev: Evaluator,
  op: 'and' | 'or' | 'unless',
  m: ast.VectorMatching,
  lhs: VectorValue,
  rhs: VectorValue,
): VectorValue {
  const lSig = lhs.series.map((s) => signature(s.labels, m));
  const rSig = rhs.series.map((s) => signature(s.labels, m));
  const outputs = new Map<string, StepSeries>();
  const emit = (s: StepSeries, i: number): void => {
    const key = labelsKey(s.labels) + (s.dropName ? '\x00' : '');
    let out = outputs.get(key);
    if (!out) {
      out = newStepSeries(s.labels, ev.steps, s.dropName);
      outputs.set(key, out);
    }
    out.values[i] = s.values[i]!;
    out.present[i] = 1;
  };
  for (let i = 0; i < ev.steps; i++) {
    const other = new Set<string>();
    const source = op === 'or' ? lhs.series : rhs.series;
    const sigs = op === 'or' ? lSig : rSig;
    source.forEach((s, k) => {
      if (s.present[i]) other.add(sigs[k]!);
    });
    if (op === 'or') {
      lhs.series.forEach((s) => s.present[i] && emit(s, i));
      rhs.series.forEach((s, k) => s.present[i] && !other.has(rSig[k]!) && emit(s, i));
    } else {
      const wantMatch = op === 'and';
      lhs.series.forEach((s, k) => s.present[i] && other.has(lSig[k]!) === wantMatch && emit(s, i));
    }
  }
  return { kind: 'vector', series: [...outputs.values()] };
}
