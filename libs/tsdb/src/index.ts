export { Engine } from './engine';
export type { EngineOptions } from './engine';
export {
  OutOfOrderError,
  WalCorruptError,
  WarmCorruptError,
  ColdCorruptError,
  IndexCorruptError,
  ClosedError,
  Warnings,
} from './errors';
export type { SkipSink } from './errors';
// Buffer and head (hot chunks)
export { SampleBuffer, BUFFER_CAPACITY, DRAIN_BATCH } from './sample-buffer';
export {
  Head,
  DEFAULT_MAX_CHUNK_AGE_MS,
  DEFAULT_OOO_WINDOW_MS,
  DEFAULT_OOO_CAPACITY,
  OOO_LIVE_VERSION,
} from './head';
export type { HeadOptions } from './head';
export { MemSeries } from './mem-series';
export { OooBuffer } from './ooo-buffer';
export type { SealedChunk } from './sealed-chunk';
export { encodeHeadSnapshot, decodeHeadSnapshot } from './head-snapshot';
// WAL and chunk index (LMDB)
export { Wal, openEnv, openBinaryDb } from './wal';
export type { WalDb, ReplayResult } from './wal';
export {
  encodeSamplesRecord,
  encodeSamplesRecordFromSlots,
  encodeSealRecord,
  decodeWalRecord,
  WAL_RECORD_VERSION,
} from './wal-record';
export type { WalRecord } from './wal-record';
export { ChunkIndex } from './chunk-index';
export { seqKey, seqFromKey, chunkKey, parseChunkKey } from './lmdb-keys';
export {
  putCheckpoint,
  putCheckpointParts,
  getCheckpoint,
  putCatalog,
  getCatalog,
} from './partition-meta';
export type { Catalog } from './partition-meta';
// Warm segments
export { encodeWarmSegment, writeWarmSegment } from './warm-writer';
export { WarmReader } from './warm-reader';
export { WARM_MAGIC, WARM_VERSION, warmFileName } from './warm-format';
// Cold files
export { encodeColdFile, writeColdFile } from './cold-writer';
export type { ColdFileMeta } from './cold-writer';
export { ColdReader } from './cold-reader';
export type { ColdBlockInfo } from './cold-reader';
export {
  COLD_MAGIC,
  COLD_VERSION,
  DEFAULT_COLD_BLOCK_POINTS,
  DEFAULT_COLD_WINDOW_MS,
  coldFileName,
} from './cold-format';
export type { ColdSeries } from './cold-format';
// Partition and compaction
export { Partition } from './partition';
export type { PartitionOptions } from './partition';
export { compactToWarm, compactToCold } from './partition-compact';
// Points and merging
export { mergeLatestWins, mergeTwo, sortDedupLatest, clipRange, emptyPoints } from './points';
export type { Points, VersionedPoints } from './points';
// Tiers: warm → cold merging, reading files of the catalog (libs/manifest keeps the catalog)
export { splitWarmByWindow, mergeWindow, windowStartOf } from './tier-merge';
export type { WindowUnits } from './tier-merge';
export { TierReader } from './tier-reader';
export { lowerBound, upperBound, ownPoints } from './points';
