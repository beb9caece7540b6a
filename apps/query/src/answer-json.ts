import type { Labels } from '@ztsdb/model';
import type { Points } from '@ztsdb/tsdb';

export interface QueryWarning {
  /** File as the manifest names it (relative to the data dir), when the warning is about a file. */
  file?: string;
  code: string;
  message: string;
}

export interface Incomplete {
  missingPartitions?: Array<{ partition: number; reason: string }>;
  warnings?: QueryWarning[];
}

/** `series=<name>`: one series. */
export interface SingleAnswer extends Incomplete {
  kind: 'single';
  series: string;
  points: Points;
}

/** `match=…` without agg: every matched series. */
export interface MultiAnswer extends Incomplete {
  kind: 'multi';
  result: Array<{ series: string; labels: Labels; points: Points }>;
}

/** `agg=…`: one row per group of `by`. */
export interface AggAnswer extends Incomplete {
  kind: 'agg';
  agg: string;
  by: string[];
  step: number;
  result: Array<{ group: Labels; series: number; points: Points }>;
}

export type QueryAnswer = SingleAnswer | MultiAnswer | AggAnswer;

/** JSON has no NaN or infinities; they go as strings, as Prometheus does. */
function num(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? '"NaN"' : v > 0 ? '"+Inf"' : '"-Inf"';
}

/**
 * `[[ts, value], …]` written straight from the typed arrays. Timestamps are
 * written as a cached prefix (the millions of ms, shared by a thousand
 * consecutive points) and a zero-padded rest, which is cheaper than
 * converting every one; a value equal to the one before reuses its text.
 */
export function pointsJson(p: Points): string {
  const n = p.timestamps.length;
  if (n === 0) return '[]';
  const ts = p.timestamps;
  const vs = p.values;
  let s = '[';
  let hi = -1;
  let hiText = '';
  let lastV = NaN;
  let vText = '';
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    let tText: string;
    if (t >= 1e6 && t <= Number.MAX_SAFE_INTEGER && Number.isInteger(t)) {
      const h = Math.floor(t / 1e6);
      if (h !== hi) {
        hi = h;
        hiText = String(h);
      }
      const lo = t - h * 1e6;
      tText =
        hiText +
        (lo >= 1e5
          ? ''
          : lo >= 1e4
            ? '0'
            : lo >= 1e3
              ? '00'
              : lo >= 100
                ? '000'
                : lo >= 10
                  ? '0000'
                  : '00000') +
        lo;
    } else {
      tText = String(t);
    }
    const v = vs[i]!;
    if (v !== lastV || Object.is(v, -0)) {
      lastV = v;
      vText = num(v);
    }
    s += (i === 0 ? '[' : ',[') + tText + ',' + vText + ']';
  }
  return s + ']';
}

function tail(a: Incomplete): string {
  let s = '';
  if (a.missingPartitions && a.missingPartitions.length > 0)
    s += `,"missingPartitions":${JSON.stringify(a.missingPartitions)}`;
  if (a.warnings && a.warnings.length > 0) s += `,"warnings":${JSON.stringify(a.warnings)}`;
  return s;
}

/** The answer as JSON text (the same over HTTP and NATS). */
export function answerJson(a: QueryAnswer): string {
  switch (a.kind) {
    case 'single':
      return `{"series":${JSON.stringify(a.series)},"points":${pointsJson(a.points)}${tail(a)}}`;
    case 'multi':
      return `{"result":[${a.result.map((r) => `{"series":${JSON.stringify(r.series)},"labels":${JSON.stringify(r.labels)},"points":${pointsJson(r.points)}}`).join(',')}]${tail(a)}}`;
    case 'agg':
      return `{"agg":${JSON.stringify(a.agg)},"by":${JSON.stringify(a.by)},"step":${a.step},"result":[${a.result
        .map(
          (r) =>
            `{"group":${JSON.stringify(r.group)},"series":${r.series},"points":${pointsJson(r.points)}}`,
        )
        .join(',')}]${tail(a)}}`;
  }
}
