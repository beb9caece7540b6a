import { formatFloat, type Labels, type QueryValue } from '@ztsdb/promql';
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

/** Unix seconds as a JSON number, with up to three decimals (milliseconds). */
const secs = (ms: number): string => String(ms / 1000);

function metric(labels: Labels): string {
  const o: Record<string, string> = {};
  for (const [n, v] of labels) o[n] = v;
  return JSON.stringify(o);
}

const point = (ms: number, v: number): string => `[${secs(ms)},"${formatFloat(v)}"]`;

/**
 * A query result as Prometheus's `data`: `{"resultType":…,"result":…}`, values as strings
 * ("NaN", "+Inf"), times as seconds. Each series' text is counted against the query's memory
 * budget as it is made, so an answer too large to hold stops the query (422) instead of the
 * service.
 */
export function resultBody(value: QueryValue, notes: PromNotes, budget: QueryBudget): string {
  const parts: string[] = [];
  let held = 0;
  const add = (s: string): void => {
    held += s.length;
    budget.peek(held * 2, 'its JSON answer');
    parts.push(s);
  };
  switch (value.type) {
    case 'scalar':
      add(point(value.timestampMs, value.value));
      break;
    case 'string':
      add(`[${secs(value.timestampMs)},${JSON.stringify(value.value)}]`);
      break;
    case 'vector':
      add('[');
      value.samples.forEach((s, i) =>
        add(
          `${i > 0 ? ',' : ''}{"metric":${metric(s.labels)},"value":${point(s.timestampMs, s.value)}}`,
        ),
      );
      add(']');
      break;
    case 'matrix':
      add('[');
      value.series.forEach((s, i) => {
        // One string grown point by point (V8 joins the pieces once, when it is used).
        let text = `${i > 0 ? ',' : ''}{"metric":${metric(s.labels)},"values":[`;
        for (let k = 0; k < s.timestamps.length; k++)
          text +=
            (k > 0 ? ',[' : '[') + secs(s.timestamps[k]!) + ',"' + formatFloat(s.values[k]!) + '"]';
        add(text + ']}');
      });
      add(']');
      break;
  }
  return envelope(`{"resultType":"${value.type}","result":${parts.join('')}}`, notes);
}
