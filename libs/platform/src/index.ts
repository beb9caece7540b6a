export { PlatformModule } from './platform.module';
export { NatsClient } from './nats-client';
export { SETTINGS, SERVICE_NAME } from './tokens';
export { ServiceLogger } from '@ztsdb/logging';
export { JsonErrorFilter } from './json-error-filter';
export { runService } from './run-service';
export { natsProblems } from './nats-health';
export { ServiceEndpoints, scrapeToken } from './service-endpoints';
export type { ServiceProblems } from './service-endpoints';
