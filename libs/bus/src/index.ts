export * from './subjects';
export { connectWithRetry, natsAnswers } from './connect';
export type { ConnectOptions } from './connect';
export {
  inboxPrefixOf,
  isAuthError,
  natsAuthOptions,
  redactUrl,
  splitUrlCredentials,
} from './nats-auth';
export type { NatsAuth, NatsAuthOptions } from './nats-auth';
export { ensureTopology, DEFAULT_TOPOLOGY } from './topology';
export type { Topology, TopologyOptions } from './topology';
export { resolvePartitions } from './partitions';
export { DeadLetterReporter, publishDeadLetter } from './dead-letter';
export { RepeatedWarnings } from './repeated-warnings';
export { inboxPrefixFor, NATS_ROLES, permissionsFor, unionOf } from './nats-permissions';
export type { NatsPermissions, NatsRole } from './nats-permissions';
export {
  generatePassword,
  natsUsers,
  passwordFromEnv,
  renderNatsServerConfig,
  renderUserEnv,
} from './nats-server-config';
export type { NatsServerConfigOptions, NatsUser } from './nats-server-config';
export {
  withRetry,
  isTransientNatsError,
  RetryDeadlineError,
  DEFAULT_RETRY_DEADLINE_MS,
} from './retry';
export type { RetryPolicy } from './retry';
export { restoreMissingSeries } from './series-restore';
export { requestAnswer } from './answer-request';
export { BUS_ERROR_CODES } from './errors';
