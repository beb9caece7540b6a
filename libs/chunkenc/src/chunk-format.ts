/**
 * Chunk layout (docs/format/chunk.md):
 *   byte 0      format version (CHUNK_VERSION)
 *   bytes 1-2   point count, u16 big-endian (0 … MAX_CHUNK_POINTS)
 *   bytes 3…    bit stream (timestamps and values interleaved), zero-padded to a byte
 *   last 4      CRC-32C of every byte before it, u32 big-endian
 */
export const CHUNK_VERSION = 1;
export const MAX_CHUNK_POINTS = 8192;
export const CHUNK_HEADER_BYTES = 3;
export const CHUNK_TRAILER_BYTES = 4;
/** Smallest possible chunk: header and checksum around an empty stream. */
export const MIN_CHUNK_BYTES = CHUNK_HEADER_BYTES + CHUNK_TRAILER_BYTES;

/**
 * Delta-of-delta buckets: after a '0' (dod = 0), a prefix of ones and a zero
 * selects the width of a two's-complement dod; '1111' escapes to a 64-bit
 * absolute timestamp.
 */
export const DOD_BITS_1 = 7; // '10'   + 7 bits:  -64 … 63
export const DOD_BITS_2 = 14; // '110'  + 14 bits: -8192 … 8191
export const DOD_BITS_3 = 20; // '1110' + 20 bits: -524288 … 524287
