import { ServiceLogger, type LoggingOptions } from './service-logger';

/** What every service's logger shares in this process (Nest's static Logger is one per process). */
let shared: Pick<LoggingOptions, 'service' | 'debug'> = { service: 'ztsdb', debug: false };
let instance: ServiceLogger | undefined;

/** The launcher names the service (`collector`, `all`, ...) and whether stacks are shown. */
export function configureLogging(opts: Partial<Pick<LoggingOptions, 'service' | 'debug'>>): void {
  shared = { ...shared, ...opts };
  instance = undefined;
}

/**
 * The process's ServiceLogger for the settings ZTSDB_LOG_LEVEL and ZTSDB_LOG_FORMAT, for
 * the launcher's own lines; Nest applications take serviceNestOptions, which goes with it.
 */
export function serviceLogger(settings: {
  ZTSDB_LOG_LEVEL: LoggingOptions['level'];
  ZTSDB_LOG_FORMAT: LoggingOptions['format'];
}): ServiceLogger {
  instance ??= new ServiceLogger({
    ...shared,
    level: settings.ZTSDB_LOG_LEVEL,
    format: settings.ZTSDB_LOG_FORMAT,
    launcherReports: true,
  });
  return instance;
}

/**
 * Options for NestFactory.create / createApplicationContext: our logger, and
 * errors at start thrown to the launcher (which reports them in one line and
 * stops what it started) instead of Nest's dump and process.exit.
 */
export function serviceNestOptions(settings: Parameters<typeof serviceLogger>[0]): {
  logger: ServiceLogger;
  abortOnError: false;
} {
  return { logger: serviceLogger(settings), abortOnError: false };
}
