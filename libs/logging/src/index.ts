export { ServiceLogger } from './service-logger';
export { logTimestamp, withLazyDateTimeFormat } from './log-clock';
export { jsonLogLine } from './log-line';
export type { LogRecord } from './log-line';
export type { LogFormat, LoggingOptions, LogLevelSetting } from './service-logger';
export { configureLogging, serviceLogger, serviceNestOptions } from './logging-setup';
