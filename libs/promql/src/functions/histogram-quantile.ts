/**
 * `histogram_quantile` over classic histograms: the series of one histogram share all labels
 * but `le`; their cumulative counts are interpolated linearly within the bucket holding the rank.
 */
import { dropLabels, getLabel, labelsKey, METRIC_NAME } from '../labels';
import type { Evaluator } from '../engine/evaluator';
import { newStepSeries, type StepSeries, type VectorValue } from '../engine/values';

interface Bucket {
  upper: number;
  count: number;
}

const SMALL_DELTA_TOLERANCE = 1e-12;
const MIN_NORMAL = 2.2250738585072014e-308;

function almostEqual(a: number, b: number, eps: number): boolean {
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < eps * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < eps;
}

/** Returns the quantile and whether counts had to be forced monotonic. */
export function bucketQuantile(q: number, buckets: Bucket[]): { value: number; forced: boolean } {
  if (Number.isNaN(q)) return { value: NaN, forced: false };
  if (q < 0) return { value: -Infinity, forced: false };
  if (q > 1) return { value: Infinity, forced: false };
  buckets.sort((a, b) => a.upper - b.upper);
  if (buckets[buckets.length - 1]!.upper !== Infinity) return { value: NaN, forced: false };
  const merged: Bucket[] = [];
  for (const b of buckets) {
    const last = merged[merged.length - 1];
    if (last && last.upper === b.upper) last.count += b.count;
    else merged.push({ ...b });
  }
  let forced = false;
  let prev = merged[0]!.count;
  for (let i = 1; i < merged.length; i++) {
    const cur = merged[i]!.count;
    if (cur === prev) continue;
    if (almostEqual(prev, cur, SMALL_DELTA_TOLERANCE)) {
      merged[i]!.count = prev;
      continue;
    }
    if (cur < prev) {
      merged[i]!.count = prev;
      forced = true;
      continue;
    }
    prev = cur;
  }
  if (merged.length < 2) return { value: NaN, forced };
  const observations = merged[merged.length - 1]!.count;
  if (observations === 0) return { value: NaN, forced };
  let rank = q * observations;
  let b = 0;
  while (b < merged.length - 1 && !(merged[b]!.count >= rank)) b++;
  if (b === merged.length - 1) return { value: merged[merged.length - 2]!.upper, forced };
  if (b === 0 && merged[0]!.upper <= 0) return { value: merged[0]!.upper, forced };
  let start = 0;
  const end = merged[b]!.upper;
  let count = merged[b]!.count;
  if (b > 0) {
    start = merged[b - 1]!.upper;
    count -= merged[b - 1]!.count;
    rank -= merged[b - 1]!.count;
  }
  return { value: start + (end - start) * (rank / count), forced };
}

const DROP = new Set(['le', METRIC_NAME]);

export function histogramQuantile(ev: Evaluator, q: Float64Array, input: VectorValue): VectorValue {
  const groups = new Map<string, { out: StepSeries; members: { s: StepSeries; upper: number }[] }>();
  for (const s of input.series) {
    const le = getLabel(s.labels, 'le');
    const upper = parseLe(le);
    if (upper === undefined) {
      ev.annotate(`PromQL warning: bucket label "le" is missing or has a malformed value of ${JSON.stringify(le)}`);
      continue;
    }
    const lbls = dropLabels(s.labels, DROP);
    const key = labelsKey(lbls);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { out: newStepSeries(lbls, ev.steps), members: [] }));
    g.members.push({ s, upper });
  }
  for (const g of groups.values()) {
    for (let i = 0; i < ev.steps; i++) {
      const buckets: Bucket[] = [];
      for (const m of g.members) if (m.s.present[i]) buckets.push({ upper: m.upper, count: m.s.values[i]! });
      if (buckets.length === 0) continue;
      const r = bucketQuantile(q[i]!, buckets);
      if (r.forced) ev.annotate('PromQL info: input to histogram_quantile needed to be fixed for monotonicity');
      g.out.values[i] = r.value;
      g.out.present[i] = 1;
    }
  }
  for (let i = 0; i < ev.steps; i++) {
    const qi = q[i]!;
    if (Number.isNaN(qi) || qi < 0 || qi > 1) {
      ev.annotate(`PromQL warning: quantile value should be between 0 and 1, got ${qi}`);
      break;
    }
  }
  return { kind: 'vector', series: [...groups.values()].map((g) => g.out).filter((s) => s.present.includes(1)) };
}

function parseLe(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const lower = t.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  const n = Number(t);
  return Number.isNaN(n) ? undefined : n;
}
