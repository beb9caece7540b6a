export * from './subjects';
export { connectWithRetry, describeServer, natsAnswers, RECONNECT_WAIT_MS } from './connect';
export type { ConnectOptions } from './connect';
export { inboxPrefixOf, natsServerList, redactUrl, splitUrlCredentials } from './nats-auth';
export type { NatsAuth } from './nats-auth';
export { ensureTopology, DEFAULT_TOPOLOGY } from './topology';
export type { Topology, TopologyOptions } from './topology';
export {
  kvStreamName,
  noPeersForPlacement,
  objectStoreStreamName,
  openSeriesBucket,
  reconcileReplicas,
  replicaCount,
  replicasError,
} from './replicas';
export { resolvePartitions } from './partitions';
export { DeadLetterReporter, publishDeadLetter } from './dead-letter';
export { RepeatedWarnings } from './repeated-warnings';
export {
  natsUsers,
  passwordFromEnv,
  renderNatsServerConfig,
  renderUserEnv,
} from './nats-server-config';
export type { NatsServerConfigOptions } from './nats-server-config';
export { withRetry, RetryDeadlineError, DEFAULT_RETRY_DEADLINE_MS } from './retry';
export type { RetryPolicy } from './retry';
export { restoreMissingSeries } from './series-restore';
export { OutageLog } from './outage-log';
export { BUS_ERROR_CODES } from './errors';
