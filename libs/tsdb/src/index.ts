// The public face of libs/tsdb. Layers (folders) as in Prometheus' tsdb/:
//   head/     the in-memory head: open chunks, out-of-order buffers, sealed chunks held, snapshots
//   wal/      the partition WAL in LMDB (batches, seal markers, head snapshots)
//   tiers/    warm segments and cold files: writers, readers, the warm → cold merge
//   encoding/ byte readers and writers, point arrays and the latest-write-wins merge
//   engine/   the embedded Engine (appender and querier) on the layers above
// Other modules import from here only.

// Embedded engine: appender / querier
export { Engine } from './engine/engine';
export type { EngineOptions } from './engine/engine';
export type { Appender, Querier } from './engine/api';
export { BUFFER_CAPACITY, DRAIN_BATCH } from './engine/append-buffer';
// Errors (codes in errors.ts)
export {
  OutOfOrderError,
  WalCorruptError,
  WalWriteError,
  WalFormatError,
  WarmCorruptError,
  ColdCorruptError,
  IndexCorruptError,
  FileUnreadableError,
  ClosedError,
  Warnings,
} from './errors';
export type { SkipSink } from './errors';
// Head (the ingestor's and the engine's)
export { Head } from './head/head';
export { HotState } from './head/hot-state';
export type { HeldChunk } from './head/hot-state';
export type { SealedChunk } from './head/sealed-chunk';
export { encodeHeadSnapshot, decodeHeadSnapshot } from './head/head-snapshot';
// WAL
export { LocalLog, type SnapshotSteps } from './wal/local-log';
export type { LocalRecovery, RecoverOptions } from './wal/local-log';
export { ImageScratch } from './wal/image-scratch';
export { compactIfLarger } from './wal/wal-compact';
// Warm segments
export { encodeWarmSegment, writeWarmSegment } from './tiers/warm-writer';
export { WarmReader } from './tiers/warm-reader';
export { warmFileName } from './tiers/warm-format';
// Cold files
export { encodeColdFile, writeColdFile } from './tiers/cold-writer';
export type { ColdFileMeta } from './tiers/cold-writer';
export { ColdFileWriter, DEFAULT_COLD_WRITE_BUFFER_BYTES } from './tiers/cold-file-writer';
export type { ColdFileSummary } from './tiers/cold-file-writer';
export { ColdReader } from './tiers/cold-reader';
export { coldFileName } from './tiers/cold-format';
export type { ColdSeries } from './tiers/cold-format';
// Tiers: warm → cold merging, reading the files of a catalog
export { mergeWarmSeries, windowStartOf } from './tiers/tier-merge';
export type { WindowSeries } from './tiers/tier-merge';
export { TierReader } from './tiers/tier-reader';
// Points and merging
export { mergeLatestWins, clipRange, emptyPoints, lowerBound, upperBound } from './encoding/points';
export type { Points, VersionedPoints } from './encoding/points';
export { denseInstants, instantsOf, instantsKey, thinUnit } from './encoding/step-thin';
export type { StepInstants } from './encoding/step-thin';
