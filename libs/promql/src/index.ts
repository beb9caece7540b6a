export type * from './ast';
export { typeOf } from './ast';
export { parsePromQL } from './parser/parse';
export type { ParseOptions } from './parser/parse';
export {
  PromQLEngine,
  DEFAULT_LOOKBACK_DELTA_MS,
  DEFAULT_MAX_SAMPLES,
  retainQueryObjects,
} from './engine/engine';
export type {
  EngineOptions,
  QueryResult,
  QueryValue,
  InstantSample,
  RangeSeriesResult,
} from './engine/engine';
export {
  PromQLParseError,
  PromQLExecutionError,
  PromQLTooManySamplesError,
  PromQLTimeoutError,
} from './errors';
export type { PromErrorType } from './errors';
export { STALE_NAN, STALE_NAN_BITS, isStaleNaN } from './storage';
export type { Queryable, SelectHints, StoredSeries } from './storage';
export { MemoryQueryable } from './memory-queryable';
export { newMatcher, matchesAll, compileRegex } from './matchers';
export type { LabelMatcher, MatchType } from './matchers';
export {
  labelsFrom,
  labelsFromRecord,
  labelsKey,
  getLabel,
  formatLabels,
  compareLabels,
  METRIC_NAME,
} from './labels';
export type { Label, Labels } from './labels';
export { parseDurationMs } from './parser/literals';
export { formatFloat, formatFloatSlow, shortDecimal } from './engine/format-float';
