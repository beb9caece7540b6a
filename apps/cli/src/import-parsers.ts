import { parseSeriesName, promName, type Labels } from '@ztsdb/model';

/** One parsed sample line. */
export interface ParsedSample {
  name: string;
  /** Labels for the registry when the series is new. */
  labels: () => Labels;
  timestamp: number;
  value: number;
}

export type ParseResult = ParsedSample | { error: string } | null;

function parseValue(text: string): number | undefined {
  const t = text.trim();
  if (t === 'NaN') return NaN;
  if (t === '+Inf' || t === 'Inf') return Infinity;
  if (t === '-Inf') return -Infinity;
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

function parseTimestamp(text: string): number | undefined {
  const t = text.trim();
  if (!/^-?\d{1,16}$/.test(t)) return undefined;
  return Number(t);
}

/** Labels of a series known only by name: metric and container id when it has ztsdb's shape. */
export function labelsOfName(name: string): Labels {
  const parsed = parseSeriesName(name);
  if (parsed) return { __name__: promName(parsed.metric), container_id: parsed.containerId };
  return { __name__: promName(name) };
}

const SERIES_NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*$/;

/** `series,timestamp_ms,value`; blank lines and a header line give null. */
export function parseCsvLine(line: string): ParseResult {
  if (line.length === 0 || line.trim() === '') return null;
  const a = line.indexOf(',');
  const b = a < 0 ? -1 : line.indexOf(',', a + 1);
  if (a < 0 || b < 0 || line.indexOf(',', b + 1) >= 0)
    return { error: 'expected 3 comma-separated fields: series,timestamp_ms,value' };
  const name = line.slice(0, a).trim();
  if (name === 'series' && line.slice(a + 1, b).trim() === 'timestamp_ms') return null;
  if (!SERIES_NAME.test(name)) return { error: `bad series name ${JSON.stringify(name)}` };
  const timestamp = parseTimestamp(line.slice(a + 1, b));
  if (timestamp === undefined)
    return {
      error: `bad timestamp ${JSON.stringify(line.slice(a + 1, b))} (want integer milliseconds)`,
    };
  const value = parseValue(line.slice(b + 1));
  if (value === undefined) return { error: `bad value ${JSON.stringify(line.slice(b + 1))}` };
  return { name, labels: () => labelsOfName(name), timestamp, value };
}

const PROM_LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+(\S+)(?:\s+(\S+))?\s*$/;
const PROM_LABEL = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const CONTAINER_ID = /^[0-9a-f]{12}$/;

/**
 * Prometheus text exposition with timestamps: `metric{l="v",…} value timestamp_ms`.
 * Comments and blank lines give null. A metric with a `container_id` label of
 * 12 hex digits becomes ztsdb's `<metric with dots>.<container_id>`; any other
 * is named `metric{labels sorted}`.
 */
export function parsePromLine(line: string): ParseResult {
  const t = line.trim();
  if (t.length === 0 || t.startsWith('#')) return null;
  const m = PROM_LINE.exec(t);
  if (!m) return { error: 'expected metric{labels} value timestamp_ms' };
  const metric = m[1]!;
  const labels: Labels = {};
  const body = m[3] ?? '';
  PROM_LABEL.lastIndex = 0;
  while (PROM_LABEL.lastIndex < body.length) {
    const start = PROM_LABEL.lastIndex;
    const lm = PROM_LABEL.exec(body);
    if (!lm) {
      if (body.slice(start).trim() === '') break;
      return { error: `bad label at ${JSON.stringify(body.slice(start, start + 30))}` };
    }
    labels[lm[1]!] = lm[2]!.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
  }
  const value = parseValue(m[4]!);
  if (value === undefined) return { error: `bad value ${JSON.stringify(m[4])}` };
  if (m[5] === undefined)
    return { error: 'no timestamp (import needs metric{labels} value timestamp_ms)' };
  const timestamp = parseTimestamp(m[5]);
  if (timestamp === undefined)
    return { error: `bad timestamp ${JSON.stringify(m[5])} (want integer milliseconds)` };
  const cid = labels.container_id;
  let name: string;
  if (cid !== undefined && CONTAINER_ID.test(cid)) {
    name = `${metric.replace(/_/g, '.')}.${cid}`;
  } else {
    const keys = Object.keys(labels).sort();
    name =
      keys.length === 0
        ? metric
        : `${metric}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
  }
  return { name, labels: () => ({ ...labels, __name__: metric }), timestamp, value };
}

/** CSV unless the first meaningful line looks like the Prometheus text format. */
export function detectFormat(firstLines: string[], fileName: string): 'csv' | 'prom' {
  if (/\.(prom|txt|metrics)$/i.test(fileName)) return 'prom';
  if (/\.csv$/i.test(fileName)) return 'csv';
  for (const l of firstLines) {
    const t = l.trim();
    if (t === '') continue;
    if (t.startsWith('#') || /^[A-Za-z_:][A-Za-z0-9_:]*(\{|\s)/.test(t)) return 'prom';
    return 'csv';
  }
  return 'csv';
}
