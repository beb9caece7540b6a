/** Nest's level names. */
export type NestLevel = 'verbose' | 'debug' | 'log' | 'warn' | 'error' | 'fatal';

/** Nest's level names as pino names them. */
const PINO_LEVEL: Record<NestLevel, string> = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

export interface LogRecord {
  level: NestLevel;
  msg: unknown;
  service: string;
  context?: string;
  stack?: string;
  /** More fields (counts, names); they never replace the fixed ones. */
  fields?: Record<string, unknown>;
  time?: number;
}

/**
 * One JSON log line with pino's fields: `level` (its name), `time` (epoch ms),
 * `msg`, then `pid`, `service`, `context`, `stack` for errors, and any extra fields.
 * No Nest here, so it is unit-tested directly.
 */
export function jsonLogLine(r: LogRecord): string {
  const err = r.msg instanceof Error ? r.msg : undefined;
  const stack = r.stack ?? err?.stack;
  return JSON.stringify({
    ...r.fields,
    level: PINO_LEVEL[r.level],
    time: r.time ?? Date.now(),
    msg: err ? err.message : r.msg,
    pid: process.pid,
    service: r.service,
    ...(r.context ? { context: r.context } : {}),
    ...(stack ? { stack } : {}),
  });
}
