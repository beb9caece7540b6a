/**
 * Every `ztsdb` command with its arguments and options: the parser
 * (cli-args.ts), the per-command `--help` and the overview all read this
 * table, so a new command is one entry here and one case in its runner.
 */

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One-letter alias (`-x`). */
  short?: string;
  /** Placeholder of the value in the help (`TIME`, `FILE`). */
  value?: string;
  help: string;
  /** The only values accepted, checked after parsing. */
  choices?: readonly string[];
}

export type CommandGroup = 'service' | 'client' | 'tool';

export interface CommandSpec {
  name: string;
  group: CommandGroup;
  /** What follows the command name in the usage line. */
  synopsis: string;
  /** One line for the overview. */
  summary: string;
  /** More lines for `ztsdb <command> --help`. */
  details?: string[];
  positionals: { min: number; max: number; name?: string };
  options: Record<string, OptionSpec>;
  examples?: string[];
}

const TIME = 'epoch ms, RFC 3339, "now" or relative like -1h';

const SERVICE = (name: string, summary: string, details: string[] = []): CommandSpec => ({
  name,
  group: 'service',
  synopsis: '',
  summary,
  details: [
    ...details,
    'Settings come from the environment (NATS_URL, ZTSDB_DATA_DIR, ...; see docs/operations.md).',
  ],
  positionals: { min: 0, max: 0 },
  options: {},
});

export const COMMANDS: readonly CommandSpec[] = [
  SERVICE('all', 'every service in one process (starts a local nats-server when none answers)'),
  SERVICE('collector', 'the collector: discovers containers, publishes their metrics'),
  SERVICE('ingestor', 'the ingestor: consumes samples, keeps hot data, answers hot queries'),
  SERVICE('compactor', 'the compactor: sealed chunks into warm files, warm into cold, retention'),
  {
    name: 'query',
    group: 'client',
    synopsis: 'SERIES|SELECTOR|PROMQL... [options]',
    summary: 'points of one series, or of every series a selector, glob or PromQL matches',
    details: [
      'Without arguments, "ztsdb query" runs the query service (HTTP on ZTSDB_HTTP_ADDR, NATS ztsdb.query).',
      'Text only PromQL reads (a call, a range, an operator) is run as PromQL; --promql forces it.',
      'Exit code 1 when no series matched.',
    ],
    positionals: { min: 1, max: Infinity, name: 'SERIES|SELECTOR|PROMQL' },
    options: {
      start: { type: 'string', value: 'TIME', help: `start of the range (${TIME}; default -1h)` },
      end: { type: 'string', value: 'TIME', help: 'end of the range (default now)' },
      step: { type: 'string', value: 'DURATION', help: 'one point per step, e.g. 60s' },
      agg: {
        type: 'string',
        value: 'FN',
        help: 'aggregate the series per step (needs --step)',
        choices: ['sum', 'avg', 'min', 'max', 'count'],
      },
      by: { type: 'string', value: 'LABEL,...', help: 'one aggregate per value of these labels' },
      lookback: {
        type: 'string',
        value: 'DURATION',
        help: 'how far back a step looks for a point',
      },
      time: { type: 'string', value: 'TIME', help: 'PromQL instant query at this time' },
      promql: { type: 'boolean', help: 'read the arguments as PromQL' },
      json: { type: 'boolean', help: 'the answer as JSON, as the service sent it' },
    },
    examples: [
      'ztsdb query \'container_cpu_usage{container_name="web-1"}\' --start -5m --step 1m',
      "ztsdb query 'container.cpu.*' --agg max --step 60s --by container_name",
      "ztsdb query 'rate(container_net_rx_bytes[1m])' --start -1h --step 1m",
    ],
  },
  {
    name: 'import',
    group: 'client',
    synopsis: 'FILE [--format csv|prom|openmetrics|jsonl]',
    summary: 'load samples from CSV, Prometheus text, OpenMetrics or export JSON lines',
    details: [
      'CSV lines "series,timestamp_ms,value" (or with the header',
      '"series_name,timestamp_ms,value"); Prometheus text',
      '"metric{label=\\"v\\"} value [timestamp_ms]" (no timestamp: now); OpenMetrics; the',
      'JSON lines of "ztsdb export". Bad lines are reported by number and skipped (exit',
      'code 1 when there were any).',
    ],
    positionals: { min: 1, max: 1, name: 'FILE' },
    options: {
      format: {
        type: 'string',
        value: 'csv|prom|openmetrics|jsonl',
        help: 'the file format (default: guessed from the name and first lines)',
        choices: ['csv', 'prom', 'openmetrics', 'jsonl'],
      },
    },
  },
  {
    name: 'export',
    group: 'client',
    synopsis: 'SELECTOR... [--start T] [--end T] [--format json|prometheus|csv] [--out FILE]',
    summary: 'every point of the matching series, streamed from GET /api/v1/export',
    details: [
      'JSON lines by default (one series a line: labels, timestamps, values), Prometheus',
      'text with timestamps, or CSV; progress on stderr. "ztsdb import" reads all three back.',
    ],
    positionals: { min: 1, max: Infinity, name: 'SELECTOR' },
    options: {
      start: {
        type: 'string',
        value: 'T',
        help: 'from (RFC 3339, unix seconds or -1h; default: all)',
      },
      end: { type: 'string', value: 'T', help: 'until (default: now)' },
      format: {
        type: 'string',
        value: 'json|prometheus|csv',
        help: 'the output format (default json)',
        choices: ['json', 'prometheus', 'csv'],
      },
      out: { type: 'string', value: 'FILE', help: 'write to FILE instead of standard output' },
      url: {
        type: 'string',
        value: 'URL',
        help: 'the query service (default: http(s)://ZTSDB_HTTP_ADDR)',
      },
    },
  },
  {
    name: 'series',
    group: 'client',
    synopsis: '[GLOB|SELECTOR] [--json]',
    summary: 'the registered series and their labels',
    details: ['Exit code 1 when no series matched.'],
    positionals: { min: 0, max: 1, name: 'GLOB|SELECTOR' },
    options: { json: { type: 'boolean', help: 'the answer as JSON' } },
    examples: [
      "ztsdb series 'container.cpu.*'",
      'ztsdb series \'container_cpu_usage{image="nginx"}\'',
    ],
  },
  {
    name: 'top',
    group: 'client',
    synopsis: '[--once]',
    summary: 'live table of containers by CPU, memory, network and block I/O',
    details: [
      'Refreshed every second and fitted to the terminal; q or Ctrl-C quits.',
      'Without a terminal (or with --once) it prints plain tables.',
    ],
    positionals: { min: 0, max: 0 },
    options: { once: { type: 'boolean', help: 'print the table once and exit' } },
  },
  {
    name: 'repair',
    group: 'client',
    synopsis: '',
    summary: 'put back into KV ztsdb_series the entries it lost, from the compactor snapshot',
    details: ["Run it where the compactor's ZTSDB_DATA_DIR is."],
    positionals: { min: 0, max: 0 },
    options: {},
  },
  {
    name: 'nats-config',
    group: 'tool',
    synopsis:
      '[--out DIR] [--listen HOST:PORT] [--store DIR] [--tls-cert F --tls-key F [--tls-ca F]] [--rotate]',
    summary: 'write a least-privilege nats-server configuration and one env file per service',
    details: [
      'Files are written mode 0600; passwords already in the env files are kept unless --rotate.',
    ],
    positionals: { min: 0, max: 0 },
    options: {
      out: { type: 'string', value: 'DIR', help: 'where to write (default ./nats-config)' },
      listen: { type: 'string', value: 'HOST:PORT', help: 'client address (default 0.0.0.0:4222)' },
      store: { type: 'string', value: 'DIR', help: 'JetStream store directory (default /data)' },
      'tls-cert': { type: 'string', value: 'FILE', help: 'server certificate (PEM)' },
      'tls-key': { type: 'string', value: 'FILE', help: 'server key (PEM)' },
      'tls-ca': { type: 'string', value: 'FILE', help: 'CA to verify client certificates' },
      rotate: { type: 'boolean', help: 'new passwords for every user' },
    },
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
