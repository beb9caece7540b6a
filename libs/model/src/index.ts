export { fnv1a64, fnv1a64Bytes } from './fnv1a64';
export { METRICS, METRIC_INFO, MAPPED_BYTES_METRIC, promName } from './metrics';
export type { MetricName, MetricInfo } from './metrics';
export {
  shortContainerId,
  seriesName,
  parseSeriesName,
  seriesId,
  seriesKey,
  parseSeriesKey,
} from './series-name';
export type { ParsedSeriesName } from './series-name';
export { seriesLabels } from './labels';
export type { ContainerInfo, Labels, Runtime, SeriesEntry } from './labels';
export { partitionOf, checkPartitionCount, DEFAULT_PARTITIONS, MAX_PARTITIONS } from './partition';
export type { DataPoint } from './data-point';
export { parseTimeParam } from './time-param';
export { parseDurationMs } from './duration';
export type { DurationForm } from './duration';
export type { ContainerRates, CollectResult, MetricSource } from './metric-source';
export { MODEL_ERROR_CODES } from './errors';
