export {
  encodeSampleBatch,
  decodeSampleBatch,
  sampleBatchMsgId,
  sampleBatchByteLength,
  SAMPLE_BATCH_HEADER_BYTES,
  SAMPLE_BATCH_MAX_POINTS,
} from './sample-batch';
export type { SampleBatch, SampleBatchHeader, SampleBatchVersion } from './sample-batch';
export { encodeSampleBatchV2, SAMPLE_BATCH_V2_MAX_KEYS } from './sample-batch-v2';
export { ColumnPool, FRESH_COLUMNS, type ColumnAlloc } from './column-pool';
export { encodeSampleBatchV3, type ValueEncoding } from './sample-batch-v3';
export { WireDecodeError } from './errors';
export {
  encodeHotReply,
  encodeHotReplyParts,
  decodeHotReply,
  decodeHotReplyPart,
  HOT_REPLY_MIN_PART_BYTES,
} from './hot-reply';
export type { HotReply, HotReplyPart, SeriesPoints } from './hot-reply';
export { HotReplyAssembler } from './hot-reply-assembler';
export { encodeChunkMessage, decodeChunkMessage, chunkMessageId } from './chunk-message';
export type { ChunkMessage } from './chunk-message';
export { encodeManifestEvent, decodeManifestEvent, manifestEventId } from './manifest-event';
export type {
  ManifestEvent,
  ManifestEventKind,
  ManifestChunkRef,
  ChunkSeqRange,
} from './manifest-event';
export {
  encodeManifestSnapshot,
  decodeManifestSnapshot,
  isManifestSnapshot,
  MANIFEST_SNAPSHOT_VERSION,
} from './manifest-snapshot';
export type { ManifestSnapshot, ManifestSnapshotFile } from './manifest-snapshot';
export { WIRE_ERROR_CODES } from './errors';
export { encodeHotExtent, decodeHotExtent, EMPTY_EXTENT, HOT_EXTENT_VERSION } from './hot-extent';
export type { HotExtent } from './hot-extent';
