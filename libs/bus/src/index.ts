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
export { publishDeadLetter } from './dead-letter';
