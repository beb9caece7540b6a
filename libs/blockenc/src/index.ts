export {
  encodeTimestampBlock,
  decodeTimestampBlock,
  decodeTimestampBlockInto,
} from './timestamp-block';
export { encodeValueBlock, decodeValueBlock, decodeValueBlockInto } from './value-block';
export { blockTag } from './block-tag';
export { BlockCorruptError } from './errors';
export { MAX_BLOCK_POINTS } from './block-format';
export { BLOCKENC_ERROR_CODES } from './errors';
