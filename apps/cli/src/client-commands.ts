import type { NatsConnection } from '@nats-io/transport-node';
import { parseLenientDurationMs, parseTimeParam } from '@ztsdb/model';
import { RetryDeadlineError, SUBJECT_QUERY, withRetry, type RetryPolicy } from '@ztsdb/bus';
import { UsageError, type CliArgs } from './cli-args';
import { CommandFailed, cliWording } from './cli-errors';
import { looksLikePromQL, promqlCommand } from './promql-command';
import { requestQuery } from './query-client';

/** What `ztsdb.query` answers, loosely: the fields the client commands read. */
export interface QueryReply {
  error?: string;
  code?: string;
  series?: unknown;
  points?: Array<[number, number | string]>;
  agg?: string;
  result?: Array<{
    /** A series name (match answers) or how many series a group holds (aggregations). */
    series?: string | number;
    group?: Record<string, string>;
    labels: Record<string, string>;
    points: Array<[number, number | string]>;
  }>;
  missingPartitions?: Array<{ partition: number; reason: string }>;
  warnings?: Array<{ file?: string; message: string }>;
}

/**
 * Sends a `ztsdb.query` request and gathers the whole answer (in parts when it
 * is larger than the server's max_payload); an error answer becomes an Error
 * with its message. `text` is the answer's JSON as the service wrote it.
 */
export async function askQueryText(
  nc: NatsConnection,
  body: Record<string, unknown>,
  timeoutMs = 15_000,
  retry: RetryPolicy = { deadlineMs: 0 },
): Promise<{ answer: QueryReply; text: string }> {
  const { text, json } = await withRetry(
    `request on ${SUBJECT_QUERY}`,
    () => requestQuery(nc, body, timeoutMs),
    retry,
  ).catch((e: Error) => {
    throw new Error(
      /no responders/i.test(e.message)
        ? 'no query service answers on ztsdb.query; start "ztsdb query" or "ztsdb all"'
        : /timeout/i.test(e.message) && !(e instanceof RetryDeadlineError)
          ? `request on ${SUBJECT_QUERY} timed out after ${timeoutMs} ms: ${e.message}`
          : e.message,
      { cause: e },
    );
  });
  const answer = json as QueryReply;
  if (answer && typeof answer === 'object' && 'error' in answer)
    throw new Error(`${answer.error} (${answer.code})`);
  return { answer, text };
}

/** As askQueryText, the parsed answer only. */
export async function askQuery(
  nc: NatsConnection,
  body: Record<string, unknown>,
  timeoutMs = 15_000,
  retry: RetryPolicy = { deadlineMs: 0 },
): Promise<QueryReply> {
  return (await askQueryText(nc, body, timeoutMs, retry)).answer;
}

/**
 * A value for the table: six decimals at most for ordinary magnitudes; very
 * large or small ones, and -0, exactly as the service sent them; NaN and
 * infinities arrive as the strings "NaN", "+Inf" and "-Inf" and print so.
 */
export function fmtValue(v: number | string): string {
  if (typeof v !== 'number') return v;
  if (Object.is(v, -0)) return '-0';
  const a = Math.abs(v);
  return a === 0 || (a >= 1e-6 && a < 1e15) ? String(Math.round(v * 1e6) / 1e6) : String(v);
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return (
    rows
      .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
      .join('\n') + '\n'
  );
}

/** True when `ztsdb query` reads its arguments as PromQL. */
export function isPromQL(args: CliArgs): boolean {
  return args.flags.has('promql') || looksLikePromQL(args.positional.join(' '));
}

/**
 * The mistakes `ztsdb query` can see before asking (in the command line's words):
 * options that go together, options of the other kind of query, bad times and durations.
 */
export function checkQueryArgs(args: CliArgs): void {
  const has = (k: string): boolean => args.options.has(k);
  const bad = (m: string): never => {
    throw new UsageError('query', m);
  };
  if (isPromQL(args)) {
    for (const k of ['agg', 'by', 'lookback'])
      if (has(k))
        bad(`--${k} is not for PromQL; write it in the query (e.g. sum by (image) (...))`);
    if (has('time') && (has('start') || has('end') || has('step')))
      bad('--time (an instant query) goes without --start, --end and --step');
  } else {
    if (has('time')) bad('--time is for PromQL queries; use --start and --end');
    if (has('agg') && !has('step'))
      bad(`--agg needs --step, e.g. --agg ${args.options.get('agg')} --step 60s`);
    if (has('by') && !has('agg')) bad('--by needs --agg, e.g. --agg sum --by container_name');
  }
  for (const k of ['step', 'lookback'])
    if (has(k) && !((parseLenientDurationMs(args.options.get(k)!) ?? 0) > 0))
      bad(
        `--${k} must be a duration like 15s, 1m, 1h or milliseconds, not ${JSON.stringify(args.options.get(k))}`,
      );
  for (const k of ['start', 'end', 'time'])
    if (has(k)) {
      try {
        parseTimeParam(k, args.options.get(k), 0, Date.now());
      } catch (e) {
        bad(cliWording((e as Error).message));
      }
    }
}

/**
 * `ztsdb query SERIES|SELECTOR [--start -1h] [--end now] [--step 60s] [--agg sum] [--by l1,l2] [--lookback 5m] [--json]`,
 * or PromQL (`--promql`, or text only PromQL reads such as `rate(x[5m])`; promql-command.ts).
 * No series matched: CommandFailed (exit 1), after the JSON answer when --json.
 */
export async function queryCommand(
  nc: NatsConnection,
  args: CliArgs,
  out: (s: string) => void,
  retry?: RetryPolicy,
): Promise<void> {
  const target = args.positional[0];
  if (target && isPromQL(args)) return promqlCommand(nc, args, out, retry);
  if (!target) throw new UsageError('query', 'SERIES|SELECTOR|PROMQL is missing');
  const body: Record<string, unknown> = {};
  if (/^[A-Za-z_:][\w:.-]*\.[0-9a-f]{12}$/.test(target)) body.series = target;
  else body.match = args.positional;
  body.start = args.options.get('start') ?? '-1h';
  for (const k of ['end', 'step', 'agg', 'by', 'lookback'])
    if (args.options.has(k)) body[k] = args.options.get(k);
  const { answer, text } = await askQueryText(nc, body, undefined, retry);
  const none = typeof answer.series !== 'string' && (answer.result ?? []).length === 0;
  const noMatch = (): CommandFailed =>
    new CommandFailed(
      `no series matched ${args.positional.map((p) => JSON.stringify(p)).join(' ')}; "ztsdb series" lists them`,
    );
  if (args.flags.has('json')) {
    // As written by the service: JSON.stringify would turn -0 into 0.
    out(text + '\n');
    if (none) throw noMatch();
    return;
  }
  if (none) throw noMatch();
  const blocks: Array<{ title: string; points: Array<[number, number | string]> }> = [];
  if (typeof answer.series === 'string')
    blocks.push({ title: answer.series, points: answer.points ?? [] });
  else
    for (const r of answer.result ?? []) {
      blocks.push({
        title:
          typeof r.series === 'string'
            ? r.series
            : Object.keys(r.group ?? {}).length
              ? Object.entries(r.group ?? {})
                  .map(([k, v]) => `${k}=${v}`)
                  .join(',')
              : `${answer.agg}(all, ${r.series} series)`,
        points: r.points,
      });
    }
  for (const b of blocks) {
    out(`# ${b.title} (${b.points.length} points)\n`);
    out(
      table([
        ['time', 'timestamp_ms', 'value'],
        ...b.points.map(([t, v]) => [new Date(t).toISOString(), String(t), fmtValue(v)]),
      ]),
    );
  }
  for (const m of answer.missingPartitions ?? [])
    out(`! partition ${m.partition} missing: ${m.reason}\n`);
  for (const w of answer.warnings ?? []) out(`! skipped ${w.file ?? ''}: ${w.message}\n`);
}

/** `ztsdb series [GLOB|SELECTOR] [--json]` */
export async function seriesCommand(
  nc: NatsConnection,
  args: CliArgs,
  out: (s: string) => void,
  retry?: RetryPolicy,
): Promise<void> {
  const match = args.positional[0] ?? '*';
  const answer = await askQuery(nc, { match }, undefined, retry);
  const none = !Array.isArray(answer.series) || answer.series.length === 0;
  const noMatch = (): CommandFailed =>
    new CommandFailed(
      args.positional[0]
        ? `no series matched ${JSON.stringify(match)}`
        : 'no series registered yet',
    );
  if (args.flags.has('json')) {
    out(JSON.stringify(answer) + '\n');
    if (none) throw noMatch();
    return;
  }
  if (none) throw noMatch();
  const rows = (
    answer.series as Array<{ name: string; labels: Record<string, string>; active: boolean }>
  ).map((s) => [
    s.name,
    s.active ? 'active' : 'gone',
    Object.entries(s.labels)
      .filter(([k]) => k !== '__name__')
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  ]);
  out(table([['series', 'state', 'labels'], ...rows]));
  out(`${rows.length} series\n`);
}
