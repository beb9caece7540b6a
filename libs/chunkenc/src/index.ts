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
// For encoders that keep their state elsewhere (the head's open chunks in typed columns).
export {
  CHUNK_VERSION,
  CHUNK_HEADER_BYTES,
  CHUNK_TRAILER_BYTES,
  DOD_BITS_1,
  DOD_BITS_2,
  DOD_BITS_3,
} from './chunk-format';
export { decodeXorStream } from './xor-decode';
