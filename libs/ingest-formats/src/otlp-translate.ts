import type { Labels } from '@ztsdb/model';
import type { OtlpMetric, OtlpResourceMetrics } from './otlp-metrics';

/**
 * OTLP metrics as Prometheus names them (its OTLP translator with underscore escaping and
 * suffixes): invalid characters become `_`; the unit becomes a suffix (`s` → `_seconds`,
 * `By` → `_bytes`, `X/Y` → `_X_per_Y`, `1` → `_ratio` for gauges, `{…}` annotations dropped);
 * monotonic sums end in `_total`; histograms become `_bucket{le}`, `_sum`, `_count`; summaries
 * `{quantile}`, `_sum`, `_count`. Resource attribute `service.name` (with
 * `service.namespace/` before it when set) becomes `job`, `service.instance.id` `instance`.
 */

const UNITS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};
const PER: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

const clean = (s: string): string => s.replace(/[^a-zA-Z0-9_:]+/g, '_').replace(/_+/g, '_');

export function labelName(key: string): string {
  let k = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(k)) k = `key_${k}`;
  return k;
}

function unitWords(unit: string, gauge: boolean): string[] {
  const u = unit.replace(/\{[^}]*\}/g, '').trim();
  if (u === '') return [];
  if (u === '1') return gauge ? ['ratio'] : [];
  const slash = u.indexOf('/');
  if (slash >= 0) {
    const a = u.slice(0, slash);
    const b = u.slice(slash + 1);
    const main = a === '' ? [] : [clean(UNITS[a] ?? a)];
    return b === '' ? main : [...main, 'per', clean(PER[b] ?? UNITS[b] ?? b)];
  }
  return [clean(UNITS[u] ?? u)];
}

/** The Prometheus metric name of an OTLP metric. */
export function promMetricName(
  m: Pick<OtlpMetric, 'name' | 'unit' | 'kind' | 'monotonic'>,
): string {
  let name = clean(m.name);
  if (/^[0-9]/.test(name)) name = `_${name}`;
  const parts = name.split('_').filter((p) => p !== '');
  for (const w of unitWords(m.unit, m.kind === 'gauge')
    .join('_')
    .split('_')
    .filter(Boolean))
    if (!parts.includes(w)) parts.push(w);
  if (m.kind === 'sum' && m.monotonic) {
    if (parts[parts.length - 1] === 'total') parts.pop();
    parts.push('total');
  }
  return parts.join('_');
}

export interface SeriesSink {
  (labels: Labels, timestampMs: number, value: number, delta: boolean): void;
}

function baseLabels(resource: Labels, attributes: Labels): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== '') out[labelName(k)] = v;
  const service = resource['service.name'];
  if (service)
    out.job = resource['service.namespace']
      ? `${resource['service.namespace']}/${service}`
      : service;
  const instance = resource['service.instance.id'];
  if (instance) out.instance = instance;
  return out;
}

const fmt = (x: number): string => (x === Infinity ? '+Inf' : String(x));

/**
 * Calls `sink` for every sample the request carries; returns how many metrics were of a kind
 * ztsdb does not store (exponential histograms) or had no name.
 */
export function translateOtlp(resources: OtlpResourceMetrics[], sink: SeriesSink): number {
  let skipped = 0;
  for (const rm of resources)
    for (const m of rm.metrics) {
      if (m.kind === 'unsupported' || m.name === '') {
        skipped++;
        continue;
      }
      const name = promMetricName(m);
      const delta = m.temporality === 1;
      for (const p of m.points) {
        if (p.noValue) continue;
        const base = baseLabels(rm.resource, p.attributes);
        const at = p.timeMs;
        if (m.kind === 'gauge' || m.kind === 'sum') {
          sink({ ...base, __name__: name }, at, p.value, delta && m.kind === 'sum');
        } else if (m.kind === 'histogram') {
          let cum = 0;
          for (let i = 0; i < p.bucketCounts.length; i++) {
            cum += p.bucketCounts[i]!;
            const le = i < p.bounds.length ? p.bounds[i]! : Infinity;
            sink({ ...base, __name__: `${name}_bucket`, le: fmt(le) }, at, cum, delta);
          }
          if (p.bucketCounts.length === 0)
            sink({ ...base, __name__: `${name}_bucket`, le: '+Inf' }, at, p.count, delta);
          sink({ ...base, __name__: `${name}_sum` }, at, p.sum, delta);
          sink({ ...base, __name__: `${name}_count` }, at, p.count, delta);
        } else {
          for (const [q, v] of p.quantiles)
            sink({ ...base, __name__: name, quantile: String(q) }, at, v, false);
          sink({ ...base, __name__: `${name}_sum` }, at, p.sum, false);
          sink({ ...base, __name__: `${name}_count` }, at, p.count, false);
        }
      }
    }
  return skipped;
}
