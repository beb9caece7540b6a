// First: @ztsdb/logging loads Nest without its date formatters (libs/logging/src/log-clock.ts).
export { ServiceLogger } from '@ztsdb/logging';
export { PlatformModule } from './platform.module';
export { NatsClient } from './nats-client';
export { SETTINGS, SERVICE_NAME } from './tokens';
export { JsonErrorFilter } from './json-error-filter';
export { runService } from './run-service';
export {
  fullGc,
  memoryLetGo,
  onMemoryRelease,
  releaseMemory,
  releaseMemoryNow,
} from './malloc-tuning';
export type { MemoryReleaseOptions } from './malloc-tuning';
export { natsProblems } from './nats-health';
export { ServiceEndpoints, scrapeToken } from './service-endpoints';
export type { ServiceProblems } from './service-endpoints';
