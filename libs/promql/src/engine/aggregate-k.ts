/**
 * `topk` and `bottomk`: per step and group, the k series with the largest (smallest) values;
 * `limitk`: any k series of each group (the first ones, in a stable order).
 */
import type * as ast from '../ast';
import { PromQLExecutionError } from '../errors';
import { labelsKey } from '../labels';
import type { Evaluator } from './evaluator';
import { groupLabels } from './aggregate';
import { newStepSeries, type StepSeries, type Value } from './values';

/** Up to this k, the best k are kept in a small sorted list instead of sorting every series. */
const SMALL_K = 64;

/** The first k members present at step i, in member order. */
function firstPresent(input: StepSeries[], members: number[], i: number, k: number): number[] {
  const out: number[] = [];
  for (const si of members) {
    if (out.length >= k) break;
    if (input[si]!.present[i]) out.push(si);
  }
  return out;
}

/**
 * The k best members present at step i, best first, ties in member order: the same series in
 * the same order as a stable sort of them all followed by the first k, in one pass.
 */
export function bestK(
  input: StepSeries[],
  members: number[],
  i: number,
  k: number,
  better: (a: number, b: number) => number,
): number[] {
  const out: number[] = [];
  const vals: number[] = [];
  for (const si of members) {
    const s = input[si]!;
    if (!s.present[i]) continue;
    const v = s.values[i]!;
    if (out.length >= k && better(vals[out.length - 1]!, v) <= 0) continue;
    let j = out.length;
    while (j > 0 && better(vals[j - 1]!, v) > 0) j--;
    out.splice(j, 0, si);
    vals.splice(j, 0, v);
    if (out.length > k) {
      out.pop();
      vals.pop();
    }
  }
  return out;
}

export function evalTopK(
  ev: Evaluator,
  e: ast.AggregateExpr,
  input: StepSeries[],
  param: Float64Array,
): Value {
  const top = e.op === 'topk';
  const groupOf = new Map<string, number[]>();
  input.forEach((s, si) => {
    const key = labelsKey(groupLabels(s.labels, e));
    const list = groupOf.get(key);
    if (list) list.push(si);
    else groupOf.set(key, [si]);
  });
  const outputs = new Map<number, StepSeries>();
  // NaN ranks below every number in both directions.
  const better = (a: number, b: number): number => {
    if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
    if (Number.isNaN(b)) return -1;
    return top ? b - a : a - b;
  };
  for (let i = 0; i < ev.steps; i++) {
    const kf = param[i]!;
    if (Number.isNaN(kf)) throw new PromQLExecutionError('Parameter value is NaN');
    if (Math.abs(kf) >= 2 ** 63)
      throw new PromQLExecutionError(`Scalar value ${kf} overflows int64`);
    const k = Math.trunc(kf);
    if (k < 1) continue;
    for (const members of groupOf.values()) {
      let here: number[];
      if (e.op === 'limitk') here = firstPresent(input, members, i, k);
      else if (k <= SMALL_K) here = bestK(input, members, i, k, better);
      else {
        here = members.filter((si) => input[si]!.present[i]);
        here.sort((a, b) => better(input[a]!.values[i]!, input[b]!.values[i]!));
      }
      for (const si of here.slice(0, k)) {
        const s = input[si]!;
        let out = outputs.get(si);
        if (!out) outputs.set(si, (out = newStepSeries(s.labels, ev.steps, s.dropName)));
        out.values[i] = s.values[i]!;
        out.present[i] = 1;
      }
    }
  }
  const series = [...outputs.values()];
  if (ev.steps === 1 && e.op !== 'limitk')
    series.sort((a, b) => better(a.values[0]!, b.values[0]!));
  return { kind: 'vector', series };
}
