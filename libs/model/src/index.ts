export { fnv1a64 } from './fnv1a64';
export {
  METRICS,
  METRIC_INFO,
  MAPPED_BYTES_METRIC,
  MEMORY_TOTAL_METRIC,
  promName,
} from './metrics';
export type { MetricName, MetricInfo } from './metrics';
export { seriesName, parseSeriesName, seriesId, seriesKey, parseSeriesKey } from './series-name';
export type { ParsedSeriesName } from './series-name';
export { seriesLabels } from './labels';
export {
  encodeSeriesEntry,
  decodeSeriesEntry,
  nameLabels,
  SeriesEntryCorruptError,
  SERIES_ENTRY_VERSION,
  ENTRY_METRICS,
  ENTRY_LABEL_KEYS,
} from './series-entry-codec';
export type { ContainerInfo, Labels, Runtime, SeriesEntry } from './labels';
export { partitionOf, checkPartitionCount } from './partition';
export type { DataPoint } from './data-point';
export { parseTimeParam } from './time-param';
export { parseDurationMs, parseLenientDurationMs } from './duration';
export type { DurationForm } from './duration';
export type { ContainerRates, CollectResult, MetricSource } from './metric-source';
export { MODEL_ERROR_CODES } from './errors';
