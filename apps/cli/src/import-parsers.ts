import { canonicalSeriesName } from '@ztsdb/producer';
import {
  MAPPED_BYTES_METRIC,
  MEMORY_TOTAL_METRIC,
  METRICS,
  parseSeriesName,
  promName,
  type Labels,
} from '@ztsdb/model';

/** One parsed sample line. */
export interface ParsedSample {
  name: string;
  /** Labels for the registry when the series is new. */
  labels: () => Labels;
  timestamp: number;
  value: number;
}

/** One JSON line of an export: a series and its points. */
export interface ParsedSeriesLine {
  name: string;
  labels: () => Labels;
  timestamps: number[];
  values: number[];
}

export type ParseResult = ParsedSample | { error: string } | null;
export type ImportFormat = 'csv' | 'prom' | 'openmetrics' | 'jsonl';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['csv', 'prom', 'openmetrics', 'jsonl'];

function parseValue(text: string): number | undefined {
  const t = text.trim();
  if (t === 'NaN') return NaN;
  if (t === '+Inf' || t === 'Inf') return Infinity;
  if (t === '-Inf') return -Infinity;
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** What a millisecond timestamp must be, as errors say it. */
const MS_WANTED = `integer milliseconds within ±${Number.MAX_SAFE_INTEGER}`;

function parseTimestamp(text: string): number | undefined {
  const t = text.trim();
  if (!/^-?\d{1,16}$/.test(t)) return undefined;
  // Sixteen digits can pass 2^53, where a double no longer holds every millisecond.
  const ms = Number(t);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** OpenMetrics timestamps are seconds, with an optional fraction; kept to the millisecond. */
function parseSecondsTimestamp(text: string): number | undefined {
  const t = text.trim();
  if (!/^-?\d{1,13}(\.\d+)?([eE][-+]?\d+)?$/.test(t)) return undefined;
  const ms = Math.round(Number(t) * 1000);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** The label keys the collector gives its own series (libs/model seriesLabels). */
const ZTSDB_LABEL_KEYS = new Set([
  '__name__',
  'container_id',
  'container_name',
  'image',
  'runtime',
  'pod',
  'namespace',
  'host',
]);
const ZTSDB_METRICS = new Map(
  [...METRICS, MAPPED_BYTES_METRIC, MEMORY_TOTAL_METRIC].map((m) => [promName(m), m] as const),
);
const CONTAINER_ID = /^[0-9a-f]{12}$/;

/**
 * The series a label set names: a collector metric with a 12-hex `container_id` and only the
 * collector's own labels is ztsdb's `<metric>.<container_id>`; anything else (other labels
 * make other series) has the canonical `metric{labels}` name.
 */
export function seriesNameOf(labels: Labels): string {
  const metric = labels.__name__ ?? '';
  const own = ZTSDB_METRICS.get(metric);
  const cid = labels.container_id;
  if (own && cid !== undefined && CONTAINER_ID.test(cid)) {
    let onlyOurs = true;
    for (const k in labels) if (!ZTSDB_LABEL_KEYS.has(k)) onlyOurs = false;
    if (onlyOurs) return `${own}.${cid}`;
  }
  return canonicalSeriesName(labels);
}

/** Labels of a series known only by name: metric and container id when it has ztsdb's shape. */
export function labelsOfName(name: string): Labels {
  const parsed = parseSeriesName(name);
  if (parsed) return { __name__: promName(parsed.metric), container_id: parsed.containerId };
  return { __name__: promName(name) };
}

const SERIES_NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*$/;
const METRIC = /^[A-Za-z_:][A-Za-z0-9_:]*$/;
const PROM_LABEL = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
/** Label values of the text formats: `\\`, `\"` and `\n` are the escapes. */
const unescapeLabel = (v: string): string =>
  v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** `k="v",…` (the inside of braces) → labels, or an error. */
function parseLabelBody(body: string, labels: Labels): string | undefined {
  PROM_LABEL.lastIndex = 0;
  while (PROM_LABEL.lastIndex < body.length) {
    const start = PROM_LABEL.lastIndex;
    const lm = PROM_LABEL.exec(body);
    if (!lm) {
      if (body.slice(start).trim() === '') break;
      return `bad label at ${JSON.stringify(body.slice(start, start + 30))}`;
    }
    labels[lm[1]!] = unescapeLabel(lm[2]!);
  }
  return undefined;
}

/** A series name of an export: ztsdb's `<metric>.<id>`, `metric`, or canonical `metric{…}`. */
function parseExportedName(name: string): { name: string; labels: () => Labels } | string {
  const brace = name.indexOf('{');
  if (brace < 0) {
    if (!SERIES_NAME.test(name)) return `bad series name ${JSON.stringify(name)}`;
    return { name, labels: () => labelsOfName(name) };
  }
  const metric = name.slice(0, brace);
  if (!METRIC.test(metric) || !name.endsWith('}'))
    return `bad series name ${JSON.stringify(name.slice(0, 60))}`;
  const labels: Labels = {};
  const err = parseLabelBody(name.slice(brace + 1, -1), labels);
  if (err) return err;
  labels.__name__ = metric;
  return { name: seriesNameOf(labels), labels: () => labels };
}

/** Splits one CSV record of three fields; the first may be quoted ("" inside is a quote). */
function csvFields(line: string): [string, string, string] | undefined {
  let first: string;
  let rest: string;
  if (line.startsWith('"')) {
    let i = 1;
    let out = '';
    for (;;) {
      const q = line.indexOf('"', i);
      if (q < 0) return undefined;
      out += line.slice(i, q);
      if (line[q + 1] === '"') {
        out += '"';
        i = q + 2;
        continue;
      }
      if (line[q + 1] !== ',') return undefined;
      first = out;
      rest = line.slice(q + 2);
      break;
    }
  } else {
    const a = line.indexOf(',');
    if (a < 0) return undefined;
    first = line.slice(0, a);
    rest = line.slice(a + 1);
  }
  const b = rest.indexOf(',');
  if (b < 0 || rest.indexOf(',', b + 1) >= 0) return undefined;
  return [first.trim(), rest.slice(0, b), rest.slice(b + 1)];
}

/**
 * `series,timestamp_ms,value` (ztsdb's CSV and its export's `series_name,timestamp_ms,value`);
 * blank lines and a header line give null.
 */
export function parseCsvLine(line: string): ParseResult {
  if (line.length === 0 || line.trim() === '') return null;
  const f = csvFields(line);
  if (!f) return { error: 'expected 3 comma-separated fields: series,timestamp_ms,value' };
  const [rawName, ts, v] = f;
  if ((rawName === 'series' || rawName === 'series_name') && ts.trim() === 'timestamp_ms')
    return null;
  const named = parseExportedName(rawName);
  if (typeof named === 'string') return { error: named };
  const timestamp = parseTimestamp(ts);
  if (timestamp === undefined)
    return { error: `bad timestamp ${JSON.stringify(ts)} (want ${MS_WANTED})` };
  const value = parseValue(v);
  if (value === undefined) return { error: `bad value ${JSON.stringify(v)}` };
  return { name: named.name, labels: named.labels, timestamp, value };
}

const PROM_LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+(\S+)(?:\s+(\S+))?\s*$/;

/**
 * Prometheus text exposition: `metric{l="v",…} value [timestamp_ms]`; a line without a
 * timestamp is taken at `nowMs`. With `openMetrics`, timestamps are seconds and an exemplar
 * (` # {…} v [ts]`) and `# EOF` are allowed. Comments and blank lines give null. Series are
 * named by seriesNameOf.
 */
export function parsePromLine(line: string, nowMs?: number, openMetrics = false): ParseResult {
  let t = line.trim();
  if (t.length === 0 || t.startsWith('#')) return null;
  if (openMetrics) {
    const ex = t.indexOf(' # {');
    if (ex > 0) t = t.slice(0, ex).trimEnd();
  }
  const m = PROM_LINE.exec(t);
  if (!m) return { error: 'expected metric{labels} value [timestamp]' };
  const metric = m[1]!;
  const labels: Labels = {};
  const err = parseLabelBody(m[3] ?? '', labels);
  if (err) return { error: err };
  const value = parseValue(m[4]!);
  if (value === undefined) return { error: `bad value ${JSON.stringify(m[4])}` };
  let timestamp: number | undefined;
  if (m[5] === undefined) {
    if (nowMs === undefined)
      return { error: 'no timestamp (import needs metric{labels} value timestamp_ms)' };
    timestamp = nowMs;
  } else {
    timestamp = openMetrics ? parseSecondsTimestamp(m[5]) : parseTimestamp(m[5]);
    if (timestamp === undefined)
      return {
        error: `bad timestamp ${JSON.stringify(m[5])} (want ${openMetrics ? 'seconds' : MS_WANTED})`,
      };
  }
  labels.__name__ = metric;
  return { name: seriesNameOf(labels), labels: () => labels, timestamp, value };
}

function jsonNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseValue(v);
  return undefined;
}

/**
 * A JSON line of `ztsdb export` (VictoriaMetrics' export shape):
 * `{"metric":{"__name__":…,…},"values":[…],"timestamps":[…]}`; values may be numbers or the
 * strings "NaN", "+Inf", "-Inf".
 */
export function parseJsonLine(line: string): ParsedSeriesLine | { error: string } | null {
  const t = line.trim();
  if (t === '') return null;
  let o: unknown;
  try {
    o = JSON.parse(t);
  } catch (e) {
    return { error: `not JSON (${(e as Error).message})` };
  }
  const r = o as { metric?: unknown; values?: unknown; timestamps?: unknown };
  if (typeof r !== 'object' || r === null || typeof r.metric !== 'object' || r.metric === null)
    return { error: 'expected {"metric":{…},"values":[…],"timestamps":[…]}' };
  const labels: Labels = {};
  for (const [k, v] of Object.entries(r.metric as Record<string, unknown>)) {
    if (typeof v !== 'string') return { error: `label ${k} is not a string` };
    labels[k] = v;
  }
  if (!labels.__name__ || !METRIC.test(labels.__name__)) return { error: 'no valid __name__' };
  if (!Array.isArray(r.values) || !Array.isArray(r.timestamps))
    return { error: 'values and timestamps must be arrays' };
  if (r.values.length !== r.timestamps.length)
    return { error: `${r.values.length} values but ${r.timestamps.length} timestamps` };
  const values: number[] = [];
  const timestamps: number[] = [];
  for (let i = 0; i < r.values.length; i++) {
    const v = jsonNumber(r.values[i]);
    const ts = r.timestamps[i] as unknown;
    if (v === undefined) return { error: `bad value ${JSON.stringify(r.values[i])}` };
    if (typeof ts !== 'number' || !Number.isSafeInteger(ts))
      return { error: `bad timestamp ${JSON.stringify(ts)}` };
    values.push(v);
    timestamps.push(ts);
  }
  return { name: seriesNameOf(labels), labels: () => labels, timestamps, values };
}

/** The format by file name, else by the first meaningful lines. */
export function detectFormat(firstLines: string[], fileName: string): ImportFormat {
  if (/\.(om|openmetrics)$/i.test(fileName)) return 'openmetrics';
  if (/\.(prom|txt|metrics)$/i.test(fileName)) return 'prom';
  if (/\.csv$/i.test(fileName)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(fileName)) return 'jsonl';
  let prom = false;
  for (const l of firstLines) {
    const t = l.trim();
    if (t === '') continue;
    if (/^# (UNIT|EOF)\b/.test(t) || /^# TYPE \S+ (unknown|gaugehistogram|stateset|info)\b/.test(t))
      return 'openmetrics';
    if (t.startsWith('#')) {
      prom = true;
      continue;
    }
    if (prom) return 'prom';
    if (t.startsWith('{')) return 'jsonl';
    if (/^[A-Za-z_:][A-Za-z0-9_:]*(\{|\s)/.test(t)) return 'prom';
    return 'csv';
  }
  return prom ? 'prom' : 'csv';
}
