export {
  encodeTimestampBlock,
  decodeTimestampBlock,
  decodeTimestampBlockInto,
  steadyTimestamps,
} from './timestamp-block';
export {
  DEFAULT_PACKED_SLACK,
  encodeValueBlock,
  decodeValueBlock,
  decodeValueBlockInto,
  pickValueBlock,
  valueBlockPickable,
  valueTagPickable,
  valueTagHoldsNoNaN,
  valueBlockLayoutInto,
  valueBlockLayoutLength,
} from './value-block';
export { pickPackedLaidOut } from './packed-decimal';
export { blockTag, blockInflates, tagInflates } from './block-tag';
export { BlockCorruptError } from './errors';
export { MAX_BLOCK_POINTS } from './block-format';
export { DEFAULT_BROTLI_QUALITY } from './compression';
export { BLOCKENC_ERROR_CODES } from './errors';
