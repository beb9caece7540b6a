import { crc32c } from '@ztsdb/checksum';
import { decodeChunk } from '@ztsdb/chunkenc';
import { seriesKey } from '@ztsdb/model';
import { WireDecodeError, WIRE_ERROR_CODES } from './errors';

/** "ZTCK" as a little-endian u32. */
export const CHUNK_MESSAGE_MAGIC = 0x4b43545a;
export const CHUNK_MESSAGE_VERSION = 1;
const HEADER = 40;
/** Sealed Gorilla chunks hold at most 8,192 points; 1 MiB bounds any sane one. */
export const CHUNK_MESSAGE_MAX_CHUNK_BYTES = 1 << 20;

/** One sealed chunk of one series, as an ingestor publishes it on `ztsdb.chunks.p.<n>`. */
export interface ChunkMessage {
  partition: number;
  seriesId: bigint;
  minT: number;
  maxT: number;
  count: number;
  /** Gorilla chunk bytes (`@ztsdb/chunkenc`), with the chunk's own header and CRC. */
  chunk: Uint8Array;
}

export function encodeChunkMessage(m: ChunkMessage): Uint8Array {
  if (m.chunk.length > CHUNK_MESSAGE_MAX_CHUNK_BYTES)
    throw new RangeError(`chunk of ${m.chunk.length} bytes is too large`);
  const bytes = new Uint8Array(HEADER + m.chunk.length + 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, CHUNK_MESSAGE_MAGIC, true);
  view.setUint8(4, CHUNK_MESSAGE_VERSION);
  view.setUint16(6, m.partition, true);
  view.setBigUint64(8, m.seriesId, true);
  view.setBigInt64(16, BigInt(m.minT), true);
  view.setBigInt64(24, BigInt(m.maxT), true);
  view.setUint32(32, m.count, true);
  view.setUint32(36, m.chunk.length, true);
  bytes.set(m.chunk, HEADER);
  view.setUint32(bytes.length - 4, crc32c(bytes, 0, bytes.length - 4), true);
  return bytes;
}

export function decodeChunkMessage(message: Uint8Array): ChunkMessage {
  if (message.length < HEADER + 4)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireShort,
      `chunk message of ${message.length} bytes is shorter than its header`,
    );
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (view.getUint32(0, true) !== CHUNK_MESSAGE_MAGIC)
    throw new WireDecodeError(WIRE_ERROR_CODES.wireMagic, 'not a chunk message', { offset: 0 });
  const version = view.getUint8(4);
  if (version !== CHUNK_MESSAGE_VERSION)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireVersion,
      `chunk message version ${version} is not supported`,
      { offset: 4 },
    );
  const len = view.getUint32(36, true);
  if (len > CHUNK_MESSAGE_MAX_CHUNK_BYTES || message.length !== HEADER + len + 4) {
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireLength,
      `chunk message says ${len} chunk bytes but has ${message.length - HEADER - 4}`,
      { offset: 36 },
    );
  }
  const stored = view.getUint32(message.length - 4, true);
  if (stored !== crc32c(message, 0, message.length - 4)) {
    throw new WireDecodeError(WIRE_ERROR_CODES.wireChecksum, 'chunk message checksum mismatch', {
      offset: message.length - 4,
    });
  }
  if (view.getUint8(5) !== 0)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireReserved,
      'chunk message has reserved bits set',
      {
        offset: 5,
      },
    );
  const chunk = message.slice(HEADER, HEADER + len);
  const count = view.getUint32(32, true);
  checkCarriedChunk(chunk, count);
  return {
    partition: view.getUint16(6, true),
    seriesId: view.getBigUint64(8, true),
    minT: Number(view.getBigInt64(16, true)),
    maxT: Number(view.getBigInt64(24, true)),
    count,
    chunk,
  };
}

/**
 * The chunk must decode and hold the header's count: the compactor re-encodes
 * every chunk it writes, and one it cannot decode would fail its whole batch
 * on every redelivery. Refused here, the message goes to the DLQ instead.
 */
function checkCarriedChunk(chunk: Uint8Array, count: number): void {
  let n: number;
  try {
    n = decodeChunk(chunk).timestamps.length;
  } catch (err) {
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireChunk,
      `chunk message carries a damaged chunk: ${(err as Error).message}`,
      { offset: HEADER },
      { cause: err },
    );
  }
  if (n !== count)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireChunk,
      `chunk message says ${count} points but its chunk holds ${n}`,
      { offset: 32 },
    );
}

/** `Nats-Msg-Id` of a sealed chunk: the same chunk sealed again gets the same id. */
export function chunkMessageId(
  m: Pick<ChunkMessage, 'seriesId' | 'minT' | 'maxT' | 'count'>,
): string {
  return `${seriesKey(m.seriesId)}-${m.minT}-${m.maxT}-${m.count}`;
}
