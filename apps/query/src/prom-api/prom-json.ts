import type { Labels, QueryValue } from '@ztsdb/promql';
import { JsonBytes } from './json-bytes';
import type { QueryBudget } from '../query-budget';
import type { PromFailure } from './prom-errors';

/** Annotations beside `data`, present only when there are some (as Prometheus writes them). */
export interface PromNotes {
  warnings?: string[];
  infos?: string[];
}

/** `{"status":"success","data":…}` with warnings and infos when there are any. */
export function successBody(data: unknown, notes: PromNotes = {}): string {
  return envelope(JSON.stringify(data), notes);
}

function envelope(dataJson: string, notes: PromNotes): string {
  let s = `{"status":"success","data":${dataJson}`;
  if (notes.warnings && notes.warnings.length > 0)
    s += `,"warnings":${JSON.stringify(notes.warnings)}`;
  if (notes.infos && notes.infos.length > 0) s += `,"infos":${JSON.stringify(notes.infos)}`;
  return s + '}';
}

export function errorBody(f: PromFailure): string {
  return JSON.stringify({ status: 'error', errorType: f.errorType, error: f.message });
}

function metric(labels: Labels): string {
  const o: Record<string, string> = {};
  for (const [n, v] of labels) o[n] = v;
  return JSON.stringify(o);
}

/** Bytes per point a matrix answer starts its buffer with (`[1796054910,"12.34"],`: about 22). */
const POINT_BYTES_GUESS = 24;

/**
 * A query result as Prometheus's `{"status":"success","data":{"resultType":…,"result":…}}`,
 * values as strings ("NaN", "+Inf"), times as seconds, as bytes (json-bytes.ts: the same text
 * the string form gave). The bytes are counted against the query's memory budget as they are
 * written, series by series, so an answer too large to hold stops the query (422) instead of
 * the service.
 */
export function resultBody(value: QueryValue, notes: PromNotes, budget: QueryBudget): Buffer {
  let guess = 256;
  if (value.type === 'matrix')
    for (const s of value.series) guess += 64 + s.timestamps.length * POINT_BYTES_GUESS;
  else if (value.type === 'vector') guess += value.samples.length * 96;
  const out = new JsonBytes(guess);
  // Twice the bytes, as the string form counted two bytes per character: the same limit.
  const check = (): void => budget.peek(out.length * 2, 'its JSON answer');
  out.text(`{"status":"success","data":{"resultType":"${value.type}","result":`);
  switch (value.type) {
    case 'scalar':
      out.point(value.timestampMs, value.value, true);
      break;
    case 'string':
      out.text('[');
      out.secs(value.timestampMs);
      out.text(`,${JSON.stringify(value.value)}]`);
      break;
    case 'vector':
      out.text('[');
      value.samples.forEach((s, i) => {
        out.text(`${i > 0 ? ',' : ''}{"metric":${metric(s.labels)},"value":`);
        out.point(s.timestampMs, s.value, true);
        out.text('}');
        check();
      });
      out.text(']');
      break;
    case 'matrix':
      out.text('[');
      value.series.forEach((s, i) => {
        out.text(`${i > 0 ? ',' : ''}{"metric":${metric(s.labels)},"values":[`);
        const ts = s.timestamps;
        const vs = s.values;
        for (let k = 0; k < ts.length; k++) out.point(ts[k]!, vs[k]!, k === 0);
        out.text(']}');
        check();
      });
      out.text(']');
      break;
  }
  check();
  out.text('}');
  if (notes.warnings && notes.warnings.length > 0)
    out.text(`,"warnings":${JSON.stringify(notes.warnings)}`);
  if (notes.infos && notes.infos.length > 0) out.text(`,"infos":${JSON.stringify(notes.infos)}`);
  out.text('}');
  return out.done();
}
