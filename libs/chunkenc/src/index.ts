export { MAX_CHUNK_POINTS } from './chunk-format';
export { ChunkCorruptError, ChunkFullError } from './errors';
export { XorAppender } from './xor-appender';
export { XorIterator } from './xor-iterator';
export {
  encodeChunk,
  decodeChunk,
  decodeChunkInto,
  decodeChunkPicked,
  encodeChunkCompact,
  compactChunk,
} from './chunk-codec';
export { PACKED_CHUNK_VERSION, encodePackedChunk } from './packed-chunk';
// Building blocks for sibling codecs (blockenc's XOR value column).
export { BitWriter } from './bit-writer';
export { BitReader } from './bit-reader';
export { XorValueWriter, XorValueReader } from './xor-values';
export { makeFloatScratch } from './float-bits';
export { CHUNKENC_ERROR_CODES } from './errors';
export { checkChunk } from './chunk-check';
