import type { Labels } from '@ztsdb/model';

/**
 * The three export formats, one series' points at a time (text out, nothing kept):
 * - `json`: VictoriaMetrics' export shape, one line per series and block of points:
 *   `{"metric":{"__name__":"up","job":"a"},"values":[1,"NaN"],"timestamps":[1700000000000,…]}`
 *   (NaN and ±Inf, which JSON lacks, as the strings "NaN", "+Inf", "-Inf");
 * - `prometheus`: the text exposition format with millisecond timestamps,
 *   `up{job="a"} 1 1700000000000`;
 * - `csv`: `series_name,timestamp_ms,value` with a header line; a name holding `,` or `"`
 *   is quoted with `""` for a quote.
 * `ztsdb import` reads all three back.
 */
export type ExportFormat = 'json' | 'prometheus' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'prometheus', 'csv'];

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const escapeLabel = (v: string): string =>
  v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** `metric{a="x",b="y"}` with text-format escapes, labels sorted, empty values left out. */
export function promSeriesText(labels: Labels): string {
  const keys = Object.keys(labels)
    .filter((k) => k !== '__name__' && labels[k] !== '')
    .sort();
  const name = labels.__name__ ?? '';
  if (keys.length === 0) return name;
  return `${name}{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}`;
}

export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = 'series_name,timestamp_ms,value\n';

/** One series' points in `format` (lines ending in a newline). */
export function exportLines(
  format: ExportFormat,
  name: string,
  labels: Labels,
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
): string {
  const n = timestamps.length;
  if (n === 0) return '';
  if (format === 'json') {
    const metric: Labels = {};
    for (const k of Object.keys(labels).sort()) if (labels[k] !== '') metric[k] = labels[k]!;
    let vs = '';
    let ts = '';
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      vs += (i === 0 ? '' : ',') + (Number.isFinite(v) ? String(v) : `"${formatValue(v)}"`);
      ts += (i === 0 ? '' : ',') + String(timestamps[i]);
    }
    return `{"metric":${JSON.stringify(metric)},"values":[${vs}],"timestamps":[${ts}]}\n`;
  }
  let out = '';
  if (format === 'prometheus') {
    const head = promSeriesText(labels);
    for (let i = 0; i < n; i++) out += `${head} ${formatValue(values[i]!)} ${timestamps[i]}\n`;
    return out;
  }
  const head = csvField(name);
  for (let i = 0; i < n; i++) out += `${head},${timestamps[i]},${formatValue(values[i]!)}\n`;
  return out;
}
