export { PlatformModule } from './platform.module';
export { NatsClient } from './nats-client';
export { SETTINGS, SERVICE_NAME } from './tokens';
export { ServiceLogger } from './service-logger';
export { runService } from './run-service';
