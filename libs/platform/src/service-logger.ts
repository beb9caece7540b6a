import { ConsoleLogger, type LogLevel } from '@nestjs/common';

// Nest's own start-up chatter (module and route wiring) adds nothing for operators.
const QUIET_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

const LEVELS: Record<string, LogLevel[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

/** Console logger honouring ZTSDB_LOG_LEVEL, without Nest's wiring messages. */
export class ServiceLogger extends ConsoleLogger {
  constructor(level: string) {
    super({ logLevels: LEVELS[level] ?? LEVELS.info!, colors: process.stderr.isTTY === true });
  }

  override log(message: unknown, context?: string): void {
    if (context && QUIET_CONTEXTS.has(context)) return;
    super.log(message, context);
  }
}
