/**
 * Runs a parsed test script against a PromQL engine and a store, applying the scripts' own
 * rules: expected failures and messages, annotations (`warn`, `info`, `no_warn`, `no_info`),
 * ordered results, values equal within a relative 1e-6, and for instant queries the same
 * answer again in range mode (the middle step of t-1m..t+1m). Cases that need native
 * histograms are reported as such and never evaluated.
 */
import { RE2JS } from 're2js';
import {
  compareLabels,
  formatLabels,
  getLabel,
  labelsFrom,
  matchesAll,
  parsePromQL,
  type Expr,
  type LabelMatcher,
  labelsKey,
  PromQLEngine,
  type Labels,
  type QueryResult,
  type Queryable,
} from '@ztsdb/promql';
import { parseScript, type EvalCmd, type ExpectLine, type SeqValue } from './script';
import { atModifierVariants } from './at-modifier-variants';

export interface TestStore {
  readonly queryable: Queryable;
  add(labels: Labels, timestampMs: number, value: number): void;
  clear(): void | Promise<void>;
  /** Makes the samples added so far queryable (a store that ingests them elsewhere). */
  flush?(): Promise<void>;
}

/** What evaluates the queries: the engine itself, or a client of a service that runs it. */
export interface QueryRunner {
  instantQuery(q: Queryable, query: string, timeMs: number): Promise<QueryResult>;
  instantQueryExpr(q: Queryable, expr: Expr, query: string, timeMs: number): Promise<QueryResult>;
  rangeQuery(
    q: Queryable,
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
  ): Promise<QueryResult>;
  rangeQueryExpr(
    q: Queryable,
    expr: Expr,
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
  ): Promise<QueryResult>;
}

export interface RunOptions {
  /** Default: the engine with delayed name removal, as Prometheus's own runner uses it. */
  readonly engine?: QueryRunner;
  /** Re-run instant queries with `@` on every selector (rewritten expressions); default true. */
  readonly atVariants?: boolean;
}

export type CaseStatus = 'passed' | 'failed' | 'histogram';

export interface CaseResult {
  readonly id: string;
  readonly query: string;
  readonly status: CaseStatus;
  readonly error?: string;
}

const NATIVE_ONLY_FUNCTIONS =
  /\b(histogram_count|histogram_sum|histogram_avg|histogram_stddev|histogram_stdvar|histogram_fraction)\s*\(/;

export async function runScript(
  file: string,
  text: string,
  store: TestStore,
  options: RunOptions = {},
): Promise<CaseResult[]> {
  const engine =
    options.engine ?? new PromQLEngine({ delayedNameRemoval: true, lookbackDeltaMs: 5 * 60_000 });
  const atVariants = options.atVariants ?? true;
  const results: CaseResult[] = [];
  let histogramSeries: Labels[] = [];
  let unflushed = false;
  await store.clear();
  for (const cmd of parseScript(text)) {
    if (cmd.kind === 'clear') {
      await store.clear();
      unflushed = false;
      histogramSeries = [];
    } else if (cmd.kind === 'load') {
      for (const s of cmd.series) {
        if (s.histogram) {
          histogramSeries.push(s.labels);
          continue;
        }
        // load_with_nhcb also stores each classic histogram as a native one under the base name.
        const name = getLabel(s.labels, '__name__');
        if (cmd.nhcb && /_(bucket|count|sum)$/.test(name)) {
          const base = name.replace(/_(bucket|count|sum)$/, '');
          histogramSeries.push(
            labelsFrom([
              ...s.labels.filter(([n]) => n !== 'le' && n !== '__name__'),
              ['__name__', base],
            ]),
          );
        }
        s.values.forEach((v, i) => v !== undefined && store.add(s.labels, i * cmd.intervalMs, v));
        unflushed = true;
      }
    } else {
      const id = `${file}:${cmd.line}`;
      if (
        cmd.histogramExpected ||
        NATIVE_ONLY_FUNCTIONS.test(cmd.query) ||
        touches(cmd.query, histogramSeries)
      ) {
        results.push({ id, query: cmd.query, status: 'histogram' });
        continue;
      }
      if (unflushed && store.flush) await store.flush();
      unflushed = false;
      const error = await runEval(engine, store.queryable, cmd, atVariants);
      results.push({
        id,
        query: cmd.query,
        status: error ? 'failed' : 'passed',
        ...(error ? { error } : {}),
      });
    }
  }
  return results;
}

/** True when a selector of the query matches a native histogram series of the loaded data. */
function touches(query: string, histograms: Labels[]): boolean {
  if (histograms.length === 0) return false;
  let expr: Expr;
  try {
    expr = parsePromQL(query);
  } catch {
    return false;
  }
  const found: boolean[] = [];
  const walk = (e: unknown): void => {
    if (!e || typeof e !== 'object') return;
    const node = e as { type?: string; matchers?: LabelMatcher[] };
    if (node.type === 'vectorSelector' && node.matchers) {
      const ms = node.matchers;
      if (histograms.some((h) => matchesAll(h, ms))) found.push(true);
      return;
    }
    for (const v of Object.values(e)) if (v && typeof v === 'object') walk(v);
  };
  walk(expr);
  return found.length > 0;
}

function expectsOf(cmd: EvalCmd, type: ExpectLine['type']): ExpectLine[] {
  return cmd.expects.filter((e) => e.type === type);
}

function matchesExpect(e: ExpectLine, text: string): boolean {
  if (e.message !== undefined) return e.message === text;
  if (e.regex !== undefined) return RE2JS.compile(e.regex).matcher(text).find();
  return true;
}

async function runEval(
  engine: QueryRunner,
  q: Queryable,
  cmd: EvalCmd,
  atVariants: boolean,
): Promise<string | undefined> {
  if (cmd.range || cmd.rangeVector) return runOnce(engine, q, cmd, undefined, cmd.startMs);
  const first = await runOnce(engine, q, cmd, undefined, cmd.startMs);
  if (first || !atVariants) return first;
  let expr: Expr;
  try {
    expr = parsePromQL(cmd.query);
  } catch {
    return undefined; // an expected parse failure, checked above
  }
  for (const v of atModifierVariants(expr, cmd.startMs)) {
    const err = await runOnce(engine, q, cmd, v.expr, v.timeMs);
    if (err) return `with @ ${v.timeMs / 1000} at t=${v.timeMs / 1000}s: ${err}`;
  }
  return undefined;
}

/** One run of an eval: the query as written (expr undefined) or a rewritten expression. */
async function runOnce(
  engine: QueryRunner,
  q: Queryable,
  cmd: EvalCmd,
  expr: Expr | undefined,
  timeMs: number,
): Promise<string | undefined> {
  const fail = expectsOf(cmd, 'fail');
  let res: QueryResult;
  try {
    if (cmd.range) res = await engine.rangeQuery(q, cmd.query, cmd.startMs, cmd.endMs, cmd.stepMs);
    else if (cmd.rangeVector) res = await engine.instantQuery(q, cmd.query, cmd.rangeVector.endMs);
    else if (expr) res = await engine.instantQueryExpr(q, expr, cmd.query, timeMs);
    else res = await engine.instantQuery(q, cmd.query, timeMs);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (fail.length === 0) return `error: ${msg}`;
    return matchesExpect(fail[0]!, msg)
      ? undefined
      : `expected error ${JSON.stringify(fail[0])}, got: ${msg}`;
  }
  if (fail.length > 0) return 'expected an error, got none';
  const annoErr = checkAnnotations(cmd, res);
  if (annoErr) return annoErr;
  const cmpErr = compareResult(cmd, res, false, timeMs);
  if (cmpErr) return cmpErr;
  if (cmd.range || cmd.rangeVector || cmd.expectedString !== undefined) return undefined;
  if (/(start|end|range|step)\(\)/.test(cmd.query)) return undefined;
  // The same query in range mode must give the same answer at the middle step.
  let rangeRes: QueryResult;
  try {
    const e = expr ?? parsePromQL(cmd.query);
    rangeRes = await engine.rangeQueryExpr(
      q,
      e,
      cmd.query,
      timeMs - 60_000,
      timeMs + 60_000,
      60_000,
    );
  } catch (err) {
    return `range mode: error: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (expectsOf(cmd, 'ordered').length > 0) return undefined;
  const err = compareResult(cmd, rangeRes, true, timeMs);
  return err ? `range mode: ${err}` : undefined;
}

function checkAnnotations(cmd: EvalCmd, res: QueryResult): string | undefined {
  const check = (type: 'warn' | 'info', actual: string[]): string | undefined => {
    const want = expectsOf(cmd, type);
    if (want.length === 0) return undefined;
    if (actual.length === 0) return `expected ${type} annotations but none were found`;
    for (const w of want) {
      if (!actual.some((a) => matchesExpect(w, a)))
        return `no ${type} annotation matching ${JSON.stringify(w)}; got ${JSON.stringify(actual)}`;
    }
    for (const a of actual) {
      if (!want.some((w) => matchesExpect(w, a)))
        return `unexpected ${type} annotation ${JSON.stringify(a)}`;
    }
    return undefined;
  };
  const err = check('warn', res.warnings) ?? check('info', res.infos);
  if (err) return err;
  if (expectsOf(cmd, 'no_warn').length > 0 && res.warnings.length > 0)
    return `unexpected warnings ${JSON.stringify(res.warnings)}`;
  if (expectsOf(cmd, 'no_info').length > 0 && res.infos.length > 0)
    return `unexpected infos ${JSON.stringify(res.infos)}`;
  return undefined;
}

const MIN_NORMAL = 2.2250738585072014e-308;

export function almostEqual(a: number, b: number, eps = 1e-6): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < eps * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < eps;
}

function compareResult(
  cmd: EvalCmd,
  res: QueryResult,
  rangeMode: boolean,
  timeMs: number,
): string | undefined {
  const v = res.value;
  const expected = new Map(cmd.series.map((s) => [labelsKey(s.labels), s]));
  const ordered = expectsOf(cmd, 'ordered').length > 0;
  if (v.type === 'string') {
    return v.value === cmd.expectedString
      ? undefined
      : `expected string ${JSON.stringify(cmd.expectedString)}, got ${JSON.stringify(v.value)}`;
  }
  if (v.type === 'scalar') {
    if (cmd.scalar === undefined) return `expected vector or matrix result, got scalar ${v.value}`;
    return almostEqual(cmd.scalar, v.value)
      ? undefined
      : `expected scalar ${cmd.scalar}, got ${v.value}`;
  }
  let samples: { labels: Labels; value: number }[];
  if (v.type === 'matrix' && !rangeMode) {
    if (ordered) return 'expected ordered result, but query returned a matrix';
    if (cmd.scalar !== undefined) return 'expected scalar result, but got a matrix';
    for (let i = 1; i < v.series.length; i++) {
      if (compareLabels(v.series[i - 1]!.labels, v.series[i]!.labels) > 0)
        return 'matrix result not sorted by labels';
    }
    const r = cmd.rangeVector ?? { startMs: cmd.startMs, endMs: cmd.endMs, stepMs: cmd.stepMs };
    const seen = new Set<string>();
    for (const s of v.series) {
      const key = labelsKey(s.labels);
      const exp = expected.get(key);
      if (!exp)
        return `unexpected series ${formatLabels(s.labels)} ${fmtPoints(s.timestamps, s.values)}`;
      seen.add(key);
      const want: [number, number][] = [];
      exp.values.forEach(
        (x: SeqValue, i) => x !== undefined && want.push([r.startMs + i * r.stepMs, x]),
      );
      if (want.length !== s.values.length)
        return `expected ${want.length} points for ${formatLabels(s.labels)}, got ${fmtPoints(s.timestamps, s.values)}`;
      for (let i = 0; i < want.length; i++) {
        if (want[i]![0] !== s.timestamps[i])
          return `point ${i} of ${formatLabels(s.labels)} at t=${s.timestamps[i]}, expected t=${want[i]![0]}`;
        if (!almostEqual(want[i]![1], s.values[i]!))
          return `point ${i} of ${formatLabels(s.labels)}: expected ${want[i]![1]}, got ${s.values[i]}`;
      }
    }
    for (const [key, s] of expected)
      if (!seen.has(key)) return `expected series ${formatLabels(s.labels)} not found`;
    return undefined;
  }
  if (v.type === 'matrix') {
    for (let i = 1; i < v.series.length; i++) {
      if (compareLabels(v.series[i - 1]!.labels, v.series[i]!.labels) > 0)
        return 'matrix result not sorted by labels';
    }
    samples = [];
    for (const s of v.series) {
      const k = s.timestamps.indexOf(timeMs);
      if (k >= 0) samples.push({ labels: s.labels, value: s.values[k]! });
    }
    if (cmd.scalar !== undefined) {
      const only = samples[0];
      if (!only) return 'range mode: no value at the evaluation time';
      return almostEqual(cmd.scalar, only.value)
        ? undefined
        : `expected scalar ${cmd.scalar}, got ${only.value}`;
    }
  } else {
    samples = v.samples;
  }
  if (cmd.scalar !== undefined) return `expected scalar result, but got a vector`;
  const seen = new Set<string>();
  for (let pos = 0; pos < samples.length; pos++) {
    const s = samples[pos]!;
    const key = labelsKey(s.labels);
    const exp = expected.get(key);
    if (!exp) return `unexpected series ${formatLabels(s.labels)} with value ${s.value}`;
    if (ordered && !rangeMode && exp.pos !== pos + 1)
      return `expected ${formatLabels(s.labels)} at position ${exp.pos}, was at ${pos + 1}`;
    const want = exp.values[0];
    if (want === undefined || !almostEqual(want, s.value))
      return `expected ${want} for ${formatLabels(s.labels)}, got ${s.value}`;
    seen.add(key);
  }
  for (const [key, s] of expected)
    if (!seen.has(key)) return `expected series ${formatLabels(s.labels)} not found`;
  return undefined;
}

function fmtPoints(ts: number[], vs: number[]): string {
  return ts.map((t, i) => `${vs[i]}@${t}`).join(' ');
}
