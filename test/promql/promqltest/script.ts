/**
 * Parser of Prometheus's PromQL test script language (see shared/promqltest/LANGUAGE.md):
 * `load`, `load_with_nhcb`, `clear`, `eval instant|range` with `expect` lines and expected
 * series, and the series value notation (`a+bxN`, `axN`, `_`, `_xN`, `stale`, `{{…}}`).
 */
import { parseDurationMs, parsePromQL, STALE_NAN, labelsFrom, type Labels } from '@ztsdb/promql';

/** One point of a series description; undefined = omitted (`_`). */
export type SeqValue = number | undefined;

export interface SeriesDesc {
  readonly labels: Labels;
  readonly values: SeqValue[];
  /** The line holds native histogram samples (`{{…}}`); values are then not meaningful. */
  readonly histogram: boolean;
}

export interface LoadCmd {
  readonly kind: 'load';
  readonly line: number;
  readonly intervalMs: number;
  readonly nhcb: boolean;
  readonly series: SeriesDesc[];
}

export interface ExpectLine {
  readonly type: 'fail' | 'warn' | 'info' | 'no_warn' | 'no_info' | 'ordered';
  /** Exact message, or a Go regular expression; neither = any. */
  readonly message?: string;
  readonly regex?: string;
}

export interface EvalCmd {
  readonly kind: 'eval';
  readonly line: number;
  readonly query: string;
  readonly range: boolean;
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
  readonly expects: ExpectLine[];
  /** Expected scalar (a bare number line). */
  readonly scalar?: number;
  readonly expectedString?: string;
  /** `expect range vector from … to … step …` for an instant query. */
  readonly rangeVector?: { startMs: number; endMs: number; stepMs: number };
  readonly series: { labels: Labels; values: SeqValue[]; histogram: boolean; pos: number }[];
  readonly histogramExpected: boolean;
}

export type Command = LoadCmd | { kind: 'clear'; line: number } | EvalCmd;

export function parseTime(text: string): number {
  const neg = text.startsWith('-');
  const body = neg ? text.slice(1) : text;
  const ms = /^\d+$/.test(body) ? Number(body) * 1000 : parseDurationMs(body);
  if (ms === undefined) throw new Error(`bad duration ${JSON.stringify(text)}`);
  return neg ? -ms : ms;
}

function parseNumberToken(tok: string): number {
  const lower = tok.toLowerCase();
  if (lower === 'stale') return STALE_NAN;
  if (/^[+-]?inf$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(lower)) return NaN;
  const n = Number(tok.replace(/_/g, ''));
  if (tok.trim() === '' || Number.isNaN(n)) throw new Error(`bad value ${JSON.stringify(tok)}`);
  return n;
}

/** Expands one value item: `1`, `_`, `_x3`, `1x3`, `1+2x3`, `-1-2x3`, `stale`. */
export function expandItem(item: string): SeqValue[] {
  const blank = /^_(?:x(\d+))?$/.exec(item);
  if (blank) return new Array<SeqValue>(blank[1] ? Number(blank[1]) : 1).fill(undefined);
  const rep = /^(.+)x(\d+)$/.exec(item);
  if (rep) {
    const head = rep[1]!;
    let k = -1;
    for (let j = 1; j < head.length; j++) {
      const c = head[j]!;
      if ((c === '+' || c === '-') && !/[eE]/.test(head[j - 1]!)) {
        k = j;
        break;
      }
    }
    let v = parseNumberToken(k < 0 ? head : head.slice(0, k));
    const inc = k < 0 ? 0 : parseNumberToken(head.slice(k));
    const n = Number(rep[2]);
    const out: SeqValue[] = [v];
    // Accumulated, not multiplied, so float results match the reference exactly.
    for (let j = 1; j <= n; j++) out.push(k < 0 ? v : (v += inc));
    return out;
  }
  return [parseNumberToken(item)];
}

/** Splits `metric{a="b"} 1 2+3x4` into labels and values. */
export function parseSeriesLine(line: string): SeriesDesc {
  let end = 0;
  let depth = 0;
  let quote = '';
  for (; end < line.length; end++) {
    const c = line[end]!;
    if (quote) {
      if (c === '\\') end++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        end++;
        break;
      }
    } else if (/\s/.test(c) && depth === 0) break;
  }
  const selector = line.slice(0, end).trim();
  const rest = line.slice(end).trim();
  const histogram = rest.includes('{{');
  return {
    labels: selectorLabels(selector),
    values: histogram ? [] : expandValues(rest),
    histogram,
  };
}

function expandValues(text: string): SeqValue[] {
  const out: SeqValue[] = [];
  for (const item of text.split(/\s+/).filter((s) => s !== '')) out.push(...expandItem(item));
  return out;
}

function selectorLabels(selector: string): Labels {
  if (/^\{\s*\}$/.test(selector)) return [];
  const e = parsePromQL(selector);
  if (e.type !== 'vectorSelector') throw new Error(`not a series: ${selector}`);
  return labelsFrom(e.matchers.map((m) => [m.name, m.value] as const));
}

const EXPECT_RE = /^expect\s+(\w+)(?:\s+(\w+)\s*:\s*(.*))?$/;
const INSTANT_RE = /^eval(?:_(fail|warn|info|ordered))?\s+instant\s+(?:at\s+(\S+)\s+)?(.*)$/;
const RANGE_RE =
  /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.*)$/;

export function parseScript(text: string): Command[] {
  const raw = text.split('\n');
  // As the reference runner does: lines are trimmed, and comment lines count as blank.
  const lines = raw.map((l) => l.trim()).map((l) => (l.startsWith('#') ? '' : l));
  const cmds: Command[] = [];
  let i = 0;
  const body = (): { text: string; line: number }[] => {
    const out: { text: string; line: number }[] = [];
    while (i + 1 < lines.length && lines[i + 1] !== '') {
      i++;
      if (!lines[i]!.startsWith('#')) out.push({ text: lines[i]!, line: i + 1 });
    }
    return out;
  };
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '' || l.startsWith('#')) continue;
    const lineNo = i + 1;
    if (l === 'clear') {
      cmds.push({ kind: 'clear', line: lineNo });
      continue;
    }
    const load = /^load(_with_nhcb)?\s+(\S+)$/.exec(l);
    if (load) {
      const intervalMs = parseTime(load[2]!);
      cmds.push({
        kind: 'load',
        line: lineNo,
        intervalMs,
        nhcb: !!load[1],
        series: body().map((b) => parseSeriesLine(b.text)),
      });
      continue;
    }
    const inst = INSTANT_RE.exec(l);
    const rng = inst ? null : RANGE_RE.exec(l);
    if (!inst && !rng) throw new Error(`line ${lineNo}: unknown command ${JSON.stringify(l)}`);
    const mod = (inst ?? rng)![1];
    const cmd: EvalCmd & { expects: ExpectLine[] } = inst
      ? {
          kind: 'eval',
          line: lineNo,
          query: inst[3]!,
          range: false,
          startMs: parseTime(inst[2] ?? '0'),
          endMs: 0,
          stepMs: 0,
          expects: [],
          series: [],
          histogramExpected: false,
        }
      : {
          kind: 'eval',
          line: lineNo,
          query: rng![5]!,
          range: true,
          startMs: parseTime(rng![2]!),
          endMs: parseTime(rng![3]!),
          stepMs: parseTime(rng![4]!),
          expects: [],
          series: [],
          histogramExpected: false,
        };
    if (!cmd.range) (cmd as { endMs: number }).endMs = cmd.startMs;
    if (mod) cmd.expects.push({ type: mod as ExpectLine['type'] });
    let pos = 0;
    const mutable = cmd as { -readonly [K in keyof EvalCmd]: EvalCmd[K] };
    for (const b of body()) {
      const t = b.text;
      if (t.startsWith('expect range vector')) {
        const m = /^expect range vector from (\S+) to (\S+) step (\S+)$/.exec(t)!;
        mutable.rangeVector = {
          startMs: parseTime(m[1]!),
          endMs: parseTime(m[2]!),
          stepMs: parseTime(m[3]!),
        };
        continue;
      }
      if (t.startsWith('expect string')) {
        mutable.expectedString = unquoteGo(t.slice('expect string'.length).trim());
        continue;
      }
      if (t.split(' ')[0] === 'expect') {
        const m = EXPECT_RE.exec(t);
        if (!m) throw new Error(`line ${b.line}: bad expect ${JSON.stringify(t)}`);
        const e: ExpectLine = { type: m[1] as ExpectLine['type'] };
        if (m[2] === 'msg') cmd.expects.push({ ...e, message: m[3]!.trim() });
        else if (m[2] === 'regex') cmd.expects.push({ ...e, regex: m[3]!.trim() });
        else cmd.expects.push(e);
        continue;
      }
      if (/^[+-]?(\d|\.\d|inf|nan)/i.test(t) && !/\s/.test(t)) {
        mutable.scalar = parseNumberToken(t);
        continue;
      }
      pos++;
      const s = parseSeriesLine(t);
      if (s.histogram) mutable.histogramExpected = true;
      cmd.series.push({ labels: s.labels, values: s.values, histogram: s.histogram, pos });
    }
    cmds.push(cmd);
  }
  return cmds;
}

function unquoteGo(s: string): string {
  if (s.startsWith('`')) return s.slice(1, -1);
  return JSON.parse(s.startsWith("'") ? `"${s.slice(1, -1)}"` : s) as string;
}
