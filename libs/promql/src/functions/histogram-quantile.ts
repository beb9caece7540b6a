/**
 * `histogram_quantile` over classic histograms: the series of one histogram share all labels
 * but `le`; their cumulative counts are interpolated linearly within the bucket holding the rank.
 */
import { dropLabels, getLabel, labelsKey, METRIC_NAME, setLabel, type Labels } from '../labels';
import type { Evaluator } from '../engine/evaluator';
import { PromQLExecutionError } from '../errors';
import { invalidQuantile } from '../engine/annotations';
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
const ONLY_LE = new Set(['le']);

function withName(message: string, name: string): string {
  return name === '' ? message : `${message} for metric name ${JSON.stringify(name)}`;
}

export interface QuantileArg {
  readonly values: Float64Array;
  /** Offset of the argument in the query, for annotations. */
  readonly at: number;
}

/**
 * histogram_quantile (one quantile, no extra label) and histogram_quantiles (several, each
 * output series labelled with its quantile under `quantileLabel`).
 */
export function histogramQuantile(
  ev: Evaluator,
  qs: readonly QuantileArg[],
  input: VectorValue,
  vectorAt: number,
  quantileLabel?: string,
): VectorValue {
  const delayed = ev.opts.delayedNameRemoval;
  type Group = { labels: Labels; members: { s: StepSeries; upper: number }[]; name: string };
  const groups = new Map<string, Group>();
  for (const s of input.series) {
    const le = getLabel(s.labels, 'le');
    const upper = parseLe(le);
    if (upper === undefined) {
      const msg = `PromQL warning: bucket label "le" is missing or has a malformed value of ${JSON.stringify(le)}`;
      ev.annotate(withName(msg, delayed ? getLabel(s.labels, METRIC_NAME) : ''), vectorAt);
      continue;
    }
    // Buckets belong together by all labels but `le`; the name goes later, so two histograms
    // that differ only by name collide instead of mixing their buckets.
    const key = labelsKey(dropLabels(s.labels, ONLY_LE));
    let g = groups.get(key);
    if (!g) {
      const lbls = dropLabels(s.labels, delayed ? ONLY_LE : DROP);
      g = { labels: lbls, members: [], name: getLabel(s.labels, METRIC_NAME) };
      groups.set(key, g);
    }
    g.members.push({ s, upper });
  }
  for (const q of qs) {
    for (let i = 0; i < ev.steps; i++) {
      const qi = q.values[i]!;
      if (Number.isNaN(qi) || qi < 0 || qi > 1) {
        ev.annotate(invalidQuantile(qi), q.at);
        break;
      }
    }
  }
  if (!delayed) {
    const seen = new Set<string>();
    for (const g of groups.values()) {
      const key = labelsKey(g.labels);
      if (seen.has(key))
        throw new PromQLExecutionError('vector cannot contain metrics with the same labelset');
      seen.add(key);
    }
  }
  const out: StepSeries[] = [];
  for (const q of qs) {
    for (const g of groups.values()) {
      const labels =
        quantileLabel === undefined
          ? g.labels
          : setLabel(g.labels, quantileLabel, formatOpenMetricsFloat(q.values[0]!));
      const series = newStepSeries(labels, ev.steps, delayed);
      for (let i = 0; i < ev.steps; i++) {
        const buckets: Bucket[] = [];
        for (const m of g.members)
          if (m.s.present[i]) buckets.push({ upper: m.upper, count: m.s.values[i]! });
        if (buckets.length === 0) continue;
        const r = bucketQuantile(q.values[i]!, buckets);
        if (r.forced) {
          const msg =
            'PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)';
          ev.annotate(withName(msg, delayed ? g.name : ''), vectorAt);
        }
        series.values[i] = r.value;
        series.present[i] = 1;
      }
      if (series.present.includes(1)) out.push(series);
    }
  }
  return { kind: 'vector', series: out };
}

/** A float as OpenMetrics writes it: integers keep a ".0", infinities are "+Inf" / "-Inf". */
export function formatOpenMetricsFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const s = String(f);
  return Number.isInteger(f) && !s.includes('e') ? `${s}.0` : s;
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
