export * from './subjects';
export { connectWithRetry, natsAnswers } from './connect';
export type { ConnectOptions } from './connect';
export { ensureTopology, DEFAULT_TOPOLOGY } from './topology';
export type { Topology, TopologyOptions } from './topology';
export { resolvePartitions } from './partitions';
export { DeadLetterReporter, publishDeadLetter, RepeatedWarnings } from './dead-letter';
