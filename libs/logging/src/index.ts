export { ServiceLogger } from './service-logger';
export type { LogFormat, LoggingOptions, LogLevelSetting } from './service-logger';
export { configureLogging, serviceLogger, serviceNestOptions } from './logging-setup';
