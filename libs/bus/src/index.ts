export * from './subjects';
export { connectWithRetry, natsAnswers } from './connect';
export type { ConnectOptions } from './connect';
export { ensureTopology, DEFAULT_TOPOLOGY } from './topology';
export type { Topology, TopologyOptions } from './topology';
export { resolvePartitions } from './partitions';
export { publishDeadLetter } from './dead-letter';
export { ThrottledLog } from './throttled-log';
export {
  withRetry,
  isTransientNatsError,
  RetryDeadlineError,
  DEFAULT_RETRY_DEADLINE_MS,
} from './retry';
export type { RetryPolicy } from './retry';
export { restoreMissingSeries } from './series-restore';
