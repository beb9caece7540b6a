export { NatsServer, findNatsServer } from './nats-server';
export type { NatsServerOptions } from './nats-server';
export { waitFor } from './wait-for';
export { tempDir } from './temp-dir';
export { writeCredsSetup } from './nats-creds';
export { writeTestCertificates } from './test-certs';
export type { TestCertificates } from './test-certs';
