import { ConsoleLogger, type LogLevel } from '@nestjs/common';

export type LogFormat = 'text' | 'json';
export type LogLevelSetting = 'debug' | 'info' | 'warn' | 'error';

export interface LoggingOptions {
  level: LogLevelSetting;
  format: LogFormat;
  /** The `service` field of JSON lines: the command that runs (`collector`, `all`, ...). */
  service: string;
  /** Where lines go (stderr); a seam for tests. */
  write?: (line: string) => void;
  /** ZTSDB_DEBUG: errors Nest reports at start-up keep their stack. */
  debug?: boolean;
}

// Nest's own start-up chatter (module and route wiring) adds nothing for operators.
const QUIET_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

const LEVELS: Record<LogLevelSetting, LogLevel[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

/** Nest's level names as pino names them. */
const JSON_LEVEL: Record<LogLevel, string> = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

/**
 * The LoggerService of every ztsdb service: ZTSDB_LOG_LEVEL, and ZTSDB_LOG_FORMAT
 * `text` (Nest's console lines) or `json` (one object a line with pino's fields:
 * `level`, `time` in epoch ms, `msg`, plus `service`, `context`, `pid` and, for errors,
 * `stack`). Nest's wiring messages are left out; the error Nest reports when a
 * module fails to start is left to the launcher, which says it in one line
 * (with the stack under ZTSDB_DEBUG).
 */
export class ServiceLogger extends ConsoleLogger {
  private readonly opts: LoggingOptions;

  constructor(options: Partial<LoggingOptions> & { level?: LogLevelSetting } = {}) {
    const opts: LoggingOptions = {
      level: options.level ?? 'info',
      format: options.format ?? 'text',
      service: options.service ?? 'ztsdb',
      write: options.write,
      debug: options.debug ?? false,
    };
    super({
      logLevels: LEVELS[opts.level] ?? LEVELS.info,
      colors: opts.format === 'text' && !opts.write && process.stderr.isTTY === true,
    });
    this.opts = opts;
  }

  get format(): LogFormat {
    return this.opts.format;
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && QUIET_CONTEXTS.has(context)) return;
    super.log(message, ...rest);
  }

  override error(message: unknown, ...rest: unknown[]): void {
    // Nest's ExceptionHandler: a module that failed to start; the launcher reports it once.
    if (rest[rest.length - 1] === 'ExceptionHandler' && !this.opts.debug) return;
    super.error(message, ...rest);
  }

  /** One line with extra fields (JSON) or appended as key=value (text). */
  line(level: LogLevel, msg: string, context: string, fields: Record<string, unknown> = {}): void {
    if (!this.isLevelEnabled(level)) return;
    const stream = level === 'error' || level === 'fatal' ? 'stderr' : 'stdout';
    if (this.opts.format === 'json') {
      this.emit(JSON.stringify({ ...this.base(level, context), msg, ...fields }), stream);
      return;
    }
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    this.printMessages([extra ? `${msg} ${extra}` : msg], context, level, stream);
  }

  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    if (this.opts.format !== 'json') {
      if (this.opts.write) {
        for (const m of messages)
          this.opts.write(`${logLevel.toUpperCase()} [${context}] ${String(m)}`);
        return;
      }
      super.printMessages(messages, context, logLevel, writeStreamType, errorStack);
      return;
    }
    for (const m of messages) {
      const err = m instanceof Error ? m : undefined;
      const obj: Record<string, unknown> = {
        ...this.base(logLevel, context),
        msg: err ? err.message : typeof m === 'string' ? m : m,
      };
      const stack = typeof errorStack === 'string' ? errorStack : err?.stack;
      if (stack) obj.stack = stack;
      this.emit(JSON.stringify(obj), writeStreamType ?? 'stdout');
    }
  }

  protected override printStackTrace(stack: string): void {
    if (this.opts.format !== 'json') super.printStackTrace(stack);
  }

  private base(level: LogLevel, context: string): Record<string, unknown> {
    return {
      level: JSON_LEVEL[level],
      time: Date.now(),
      pid: process.pid,
      service: this.opts.service,
      ...(context ? { context } : {}),
    };
  }

  private emit(line: string, stream: 'stdout' | 'stderr'): void {
    if (this.opts.write) this.opts.write(line);
    else process[stream].write(`${line}\n`);
  }
}
