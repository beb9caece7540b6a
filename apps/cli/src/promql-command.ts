import type { NatsConnection } from '@nats-io/transport-node';
import type { RetryPolicy } from '@ztsdb/bus';
import { parseTimeParam } from '@ztsdb/model';
import type { CliArgs } from './cli-args';
import { askQueryText } from './client-commands';

/**
 * Text that only PromQL reads: a call, a range, an operator between terms, or an
 * aggregation. A bare selector (`container_cpu_usage{image="nginx"}`) stays a ztsdb
 * selector, as `ztsdb query` always read it; `--promql` forces PromQL.
 */
export function looksLikePromQL(text: string): boolean {
  return /[([]|\s[-+*/%^]\s|\s(and|or|unless)\s/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
}

interface PromReply {
  status: string;
  error?: string;
  errorType?: string;
  warnings?: string[];
  infos?: string[];
  data?: {
    resultType: 'vector' | 'matrix' | 'scalar' | 'string';
    result: unknown;
  };
}

const metric = (m: Record<string, string>): string => {
  const name = m.__name__ ?? '';
  const rest = Object.entries(m)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${name}{${rest.join(', ')}}`;
};

const iso = (secs: number): string => new Date(secs * 1000).toISOString();

/**
 * `ztsdb query --promql 'QUERY' [--time T] | [--start -1h] [--end now] --step 60s [--json]`:
 * an instant query at `--time` (default now), or a range query when `--step` (or `--start`)
 * is given. Times as `ztsdb query` takes them (ms, RFC 3339, `-1h`, `now`). The answer is the
 * Prometheus API's JSON (`--json`) or a table.
 */
export async function promqlCommand(
  nc: NatsConnection,
  args: CliArgs,
  out: (s: string) => void,
  retry?: RetryPolicy,
): Promise<void> {
  const query = args.positional.join(' ');
  const now = Date.now();
  const secs = (name: string, fallback: number): number =>
    parseTimeParam(name, args.options.get(name), fallback, now) / 1000;
  const range = args.options.has('step') || args.options.has('start');
  const body: Record<string, unknown> = { promql: query };
  if (range) {
    body.end = secs('end', now);
    body.start = secs('start', now - 3_600_000);
    body.step = args.options.get('step') ?? '60s';
  } else body.time = secs('time', now);
  const { text } = await askQueryText(nc, body, undefined, retry);
  const answer = JSON.parse(text) as PromReply;
  if (answer.status !== 'success') throw new Error(`${answer.error} (${answer.errorType})`);
  if (args.flags.has('json')) {
    out(text + '\n');
    return;
  }
  const d = answer.data!;
  if (d.resultType === 'scalar' || d.resultType === 'string') {
    const [t, v] = d.result as [number, string];
    out(`${v} @ ${iso(t)}\n`);
  } else if (d.resultType === 'vector') {
    for (const s of d.result as Array<{ metric: Record<string, string>; value: [number, string] }>)
      out(`${metric(s.metric)}  ${s.value[1]}\n`);
  } else {
    for (const s of d.result as Array<{
      metric: Record<string, string>;
      values: Array<[number, string]>;
    }>) {
      out(`# ${metric(s.metric)} (${s.values.length} points)\n`);
      for (const [t, v] of s.values) out(`${iso(t)}  ${v}\n`);
    }
  }
  for (const w of answer.warnings ?? []) out(`! warning: ${w}\n`);
  for (const i of answer.infos ?? []) out(`! info: ${i}\n`);
}
