import * as zlib from 'node:zlib';
import { COMPRESSION_BROTLI, COMPRESSION_ZSTD } from './block-format';
import { BlockCorruptError } from './errors';

type ZstdZlib = typeof zlib & {
  zstdCompressSync?: (buf: Uint8Array, opts?: object) => Buffer;
  zstdDecompressSync?: (buf: Uint8Array, opts?: object) => Buffer;
};
const z = zlib as ZstdZlib;

/** Payloads smaller than this are never worth a compressor's framing. */
export const MIN_COMPRESSIBLE_BYTES = 24;
/**
 * Brotli quality of a block's pass: 5 is several times faster than 11 and picks the same
 * encoding. The cold writer gives the winner a second pass at its own quality
 * (ZTSDB_COLD_BROTLI_QUALITY, 10): 11-13 % smaller decimal payloads, ~10x the time.
 */
export const DEFAULT_BROTLI_QUALITY = 5;
export const COMPRESSION_BROTLI_QUALITY_MAX = 11;

/** zstd when this Node has it (22.15+), else brotli. */
export const PREFERRED_COMPRESSION =
  typeof z.zstdCompressSync === 'function' ? COMPRESSION_ZSTD : COMPRESSION_BROTLI;

export function compress(
  raw: Uint8Array,
  method = PREFERRED_COMPRESSION,
  quality = DEFAULT_BROTLI_QUALITY,
): Uint8Array {
  if (method === COMPRESSION_ZSTD && z.zstdCompressSync) return z.zstdCompressSync(raw);
  return zlib.brotliCompressSync(raw, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
}

/** Inflate exactly `rawLength` bytes or throw BlockCorruptError. */
export function decompress(
  data: Uint8Array,
  method: number,
  rawLength: number,
  offset: number,
): Uint8Array {
  let out: Buffer;
  let consumed = data.length;
  try {
    if (method === COMPRESSION_BROTLI) {
      const res = zlib.brotliDecompressSync(data, {
        maxOutputLength: Math.max(1, rawLength),
        info: true,
      } as zlib.BrotliOptions) as unknown as {
        buffer: Buffer;
        engine: { bytesWritten?: number };
      };
      out = res.buffer;
      if (typeof res.engine.bytesWritten === 'number') consumed = res.engine.bytesWritten;
    } else if (method === COMPRESSION_ZSTD) {
      if (!z.zstdDecompressSync) {
        throw new BlockCorruptError('block is zstd-compressed but this Node.js has no zstd', {
          offset,
        });
      }
      out = z.zstdDecompressSync(data, { maxOutputLength: Math.max(1, rawLength) });
    } else {
      throw new BlockCorruptError(`unknown compression method ${method}`, { offset: 0 });
    }
  } catch (e) {
    if (e instanceof BlockCorruptError) throw e;
    throw new BlockCorruptError(
      `payload does not decompress: ${(e as Error).message}`,
      { offset },
      { cause: e },
    );
  }
  if (consumed !== data.length) {
    throw new BlockCorruptError(
      `${data.length - consumed} unexpected byte(s) after the compressed payload`,
      {
        offset: offset + consumed,
      },
    );
  }
  if (out.length !== rawLength) {
    throw new BlockCorruptError(
      `payload decompresses to ${out.length} bytes, header says ${rawLength}`,
      { offset },
    );
  }
  return out;
}

/**
 * A cheap estimate of a payload's size after framing's compression (brotli
 * at quality 1, several times faster than the real pass): used to pick which
 * candidate encodings get the real compression.
 */
export function estimateCompressed(raw: Uint8Array): number {
  if (raw.length < MIN_COMPRESSIBLE_BYTES) return raw.length;
  return Math.min(raw.length, compress(raw, COMPRESSION_BROTLI, 1).length);
}
