import type { LogLevel } from '@nestjs/common';
import { logTimestamp, withLazyDateTimeFormat } from './log-clock';
import { jsonLogLine } from './log-line';

// Nest loaded here, first in a service process (its launcher loads this before the services),
// without the date formatters it builds at load: log-clock.ts says why.
const { ConsoleLogger } = withLazyDateTimeFormat(
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  () => require('@nestjs/common') as typeof import('@nestjs/common'),
);

export type LogFormat = 'text' | 'json';
export type LogLevelSetting = 'debug' | 'info' | 'warn' | 'error';

export interface LoggingOptions {
  level: LogLevelSetting;
  format: LogFormat;
  /** The `service` field of JSON lines: the command that runs (`collector`, `all`, ...). */
  service: string;
  /** ZTSDB_DEBUG: errors Nest reports at start-up keep their stack. */
  debug?: boolean;
  /**
   * Nest throws start-up errors to the launcher (abortOnError: false), which reports
   * them: the logger leaves them out. Otherwise it prints them in one line.
   */
  launcherReports?: boolean;
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

  /** A level name alone (the older form) keeps the text format. */
  constructor(options: (Partial<LoggingOptions> & { level?: LogLevelSetting }) | string = {}) {
    const o = typeof options === 'string' ? { level: options as LogLevelSetting } : options;
    const opts: LoggingOptions = {
      level: o.level ?? 'info',
      format: o.format ?? 'text',
      service: o.service ?? 'ztsdb',
      debug: o.debug ?? false,
      launcherReports: o.launcherReports ?? false,
    };
    super({
      logLevels: LEVELS[opts.level] ?? LEVELS.info,
      colors: opts.format === 'text' && process.stderr.isTTY === true,
    });
    this.opts = opts;
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && QUIET_CONTEXTS.has(context)) return;
    super.log(message, ...rest);
  }

  override error(message: unknown, ...rest: unknown[]): void {
    // Nest's ExceptionHandler: a module that failed to start, with its stack.
    if (rest[rest.length - 1] === 'ExceptionHandler' && !this.opts.debug) {
      if (!this.opts.launcherReports) super.error(message, 'ExceptionHandler');
      return;
    }
    super.error(message, ...rest);
  }

  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    if (this.opts.format !== 'json') {
      super.printMessages(messages, context, logLevel, writeStreamType, errorStack);
      return;
    }
    for (const m of messages) {
      const line = jsonLogLine({
        level: logLevel,
        msg: m,
        context,
        service: this.opts.service,
        stack: typeof errorStack === 'string' ? errorStack : undefined,
      });
      this.emit(line, writeStreamType ?? 'stdout');
    }
  }

  /** Nest's layout, without the Intl formatter Nest would build for it (log-clock.ts). */
  protected override getTimestamp(): string {
    return logTimestamp(Date.now());
  }

  protected override printStackTrace(stack: string): void {
    if (this.opts.format !== 'json') super.printStackTrace(stack);
  }

  private emit(line: string, stream: 'stdout' | 'stderr'): void {
    process[stream].write(`${line}\n`);
  }
}
