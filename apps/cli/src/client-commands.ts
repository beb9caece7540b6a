import type { NatsConnection } from '@nats-io/transport-node';
import {
  requestAnswer,
  RetryDeadlineError,
  SUBJECT_QUERY,
  withRetry,
  type RetryPolicy,
} from '@ztsdb/bus';
import type { CliArgs } from './cli-args';
import { looksLikePromQL, promqlCommand } from './promql-command';

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
  const bytes = await withRetry(
    `request on ${SUBJECT_QUERY}`,
    () => requestAnswer(nc, SUBJECT_QUERY, JSON.stringify(body), timeoutMs),
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
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const answer = JSON.parse(text) as QueryReply;
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

/**
 * `ztsdb query SERIES|SELECTOR [--start -1h] [--end now] [--step 60s] [--agg sum] [--by l1,l2] [--lookback 5m] [--json]`,
 * or PromQL (`--promql`, or text only PromQL reads such as `rate(x[5m])`; promql-command.ts).
 */
export async function queryCommand(
  nc: NatsConnection,
  args: CliArgs,
  out: (s: string) => void,
  retry?: RetryPolicy,
): Promise<void> {
  const target = args.positional[0];
  if (target && (args.flags.has('promql') || looksLikePromQL(args.positional.join(' '))))
    return promqlCommand(nc, args, out, retry);
  if (!target)
    throw new Error(
      'usage: ztsdb query SERIES|SELECTOR [--start -1h] [--end now] [--step 60s] [--agg sum|avg|min|max|count] [--by label,…] [--json]\n' +
        '       ztsdb query [--promql] PROMQL [--time now] | [--start -1h] [--end now] [--step 60s] [--json]',
    );
  const body: Record<string, unknown> = {};
  if (/^[A-Za-z_:][\w:.-]*\.[0-9a-f]{12}$/.test(target)) body.series = target;
  else body.match = args.positional;
  body.start = args.options.get('start') ?? '-1h';
  for (const k of ['end', 'step', 'agg', 'by', 'lookback'])
    if (args.options.has(k)) body[k] = args.options.get(k);
  const { answer, text } = await askQueryText(nc, body, undefined, retry);
  if (args.flags.has('json')) {
    // As written by the service: JSON.stringify would turn -0 into 0.
    out(text + '\n');
    return;
  }
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
  const answer = await askQuery(nc, { match: args.positional[0] ?? '*' }, undefined, retry);
  if (args.flags.has('json')) {
    out(JSON.stringify(answer) + '\n');
    return;
  }
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
