import {
  COMPRESSION_BROTLI,
  COMPRESSION_NONE,
  COMPRESSION_SHIFT,
  ENCODING_MASK,
  MAX_BLOCK_POINTS,
  TAG_EMPTY,
  maxPayloadBytes,
  minPayloadBytes,
} from './block-format';
import { ByteReader } from './byte-reader';
import { ByteWriter, uvarintLength } from './byte-writer';
import {
  DEFAULT_BROTLI_QUALITY,
  MIN_COMPRESSIBLE_BYTES,
  PREFERRED_COMPRESSION,
  compress,
  decompress,
} from './compression';
import { BlockCorruptError } from './errors';

/** The single byte of a block with no points. */
export function emptyBlock(): Uint8Array {
  return Uint8Array.of(TAG_EMPTY);
}

/** Bytes frameBlock would produce without compression. */
export function rawBlockLength(count: number, payloadLength: number): number {
  return 1 + uvarintLength(count) + payloadLength;
}

/**
 * Wrap an encoded payload as a block: tag, count, and the payload, compressed
 * when that makes the whole block smaller. `compressible: false` skips trying; `quality` is
 * brotli's (zstd ignores it).
 */
export function frameBlock(
  encoding: number,
  count: number,
  payload: Uint8Array,
  compressible = true,
  quality = DEFAULT_BROTLI_QUALITY,
): Uint8Array {
  const out = new ByteWriter(payload.length + 12);
  if (compressible && payload.length >= MIN_COMPRESSIBLE_BYTES) {
    const packed = compress(payload, PREFERRED_COMPRESSION, quality);
    if (uvarintLength(payload.length) + packed.length < payload.length) {
      out.byte(encoding | (PREFERRED_COMPRESSION << COMPRESSION_SHIFT));
      out.uvarint(count);
      out.uvarint(payload.length);
      out.bytes(packed);
      return out.result();
    }
  }
  out.byte(encoding);
  out.uvarint(count);
  out.bytes(payload);
  return out.result();
}

/** A block opened for decoding: its encoding, point count and (uncompressed) payload. */
export interface OpenedBlock {
  encoding: number;
  count: number;
  payload: ByteReader;
}

/**
 * Parse a block's frame, check the tag is one of `allowed`, the count is within
 * MAX_BLOCK_POINTS and backed by the payload's length, and inflate a
 * compressed payload. Throws BlockCorruptError.
 */
export function openBlock(
  block: Uint8Array,
  allowed: ReadonlySet<number>,
  kind: string,
): OpenedBlock {
  if (block.length === 0) throw new BlockCorruptError(`empty ${kind} block`, { offset: 0 });
  const tag = block[0]!;
  const encoding = tag & ENCODING_MASK;
  const method = tag >>> COMPRESSION_SHIFT;
  const head = new ByteReader(block, 1, block.length);
  if (tag === TAG_EMPTY) {
    head.expectEnd('empty-block tag');
    return { encoding, count: 0, payload: head };
  }
  if (!allowed.has(encoding)) {
    throw new BlockCorruptError(`tag 0x${tag.toString(16)} is not a ${kind} block encoding`, {
      offset: 0,
    });
  }
  if (method > COMPRESSION_BROTLI) {
    throw new BlockCorruptError(`tag 0x${tag.toString(16)} names an unknown compression`, {
      offset: 0,
    });
  }
  const count = head.uvarint();
  if (count === 0 || count > MAX_BLOCK_POINTS) {
    throw new BlockCorruptError(`block count ${count} outside 1..${MAX_BLOCK_POINTS}`, {
      offset: 1,
      count,
    });
  }
  const minBytes = minPayloadBytes(encoding, count);
  if (method === COMPRESSION_NONE) {
    if (head.left < minBytes) {
      throw new BlockCorruptError(
        `${count} points need at least ${minBytes} payload bytes, block has ${head.left}`,
        {
          offset: head.pos,
          count,
        },
      );
    }
    return { encoding, count, payload: head };
  }
  const rawLength = head.uvarint();
  if (rawLength < minBytes || rawLength > maxPayloadBytes(count)) {
    throw new BlockCorruptError(`uncompressed length ${rawLength} does not fit ${count} points`, {
      offset: head.pos,
      count,
    });
  }
  const raw = decompress(block.subarray(head.pos), method, rawLength, head.pos);
  return { encoding, count, payload: new ByteReader(raw, 0, raw.length) };
}
