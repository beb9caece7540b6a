import { crc32c } from '@ztsdb/checksum';
import {
  chunkTableLength,
  fitsChunkTable,
  readChunkTable,
  writeChunkTable,
} from './manifest-chunk-table';
import { hasManifestEventShape } from './manifest-event-shape';
import { WireDecodeError, WIRE_ERROR_CODES } from './errors';

/** "ZTME" as a little-endian u32. */
export const MANIFEST_EVENT_MAGIC = 0x454d545a;
/** Version 1: the whole event as JSON. */
export const MANIFEST_EVENT_VERSION = 1;
/** Version 2: JSON without `chunks`, then the chunks as a binary table (manifest-chunk-table.ts). */
export const MANIFEST_EVENT_VERSION_CHUNK_TABLE = 2;
const HEADER = 12;
const MAX_BODY = 16 << 20;

export type ManifestEventKind = 'warm-added' | 'cold-added' | 'warm-removed' | 'expired';
const KINDS: readonly ManifestEventKind[] = ['warm-added', 'cold-added', 'warm-removed', 'expired'];

/** A sealed chunk that a warm file now holds, so its ingestor may drop it from memory. */
export interface ManifestChunkRef {
  /** Series id as 16 hex digits. */
  id: string;
  minT: number;
  maxT: number;
  count: number;
}

/**
 * One change to the catalog of files, on `ztsdb.manifest.p.<n>`. Replaying
 * the stream in order rebuilds the set of live files of every partition.
 */
export interface ManifestEvent {
  kind: ManifestEventKind;
  partition: number;
  /** Path relative to the data dir, e.g. `warm/p0/00000000000000000042.warm`. */
  file: string;
  /** Size and CRC-32C of the whole file (for added files). */
  bytes: number;
  crc32c: number;
  /**
   * Added files: the name of the file's object in the JetStream object store
   * bucket `ztsdb_tiers`, where any host fetches it from (absent in events
   * written before tiers were kept there: the file is only in the writer's data dir).
   */
  object?: string;
  minT: number;
  maxT: number;
  seriesCount: number;
  points: number;
  /** warm-added: the sealed chunks it holds. */
  chunks?: ManifestChunkRef[];
  /** cold-added: the files it supersedes (removed by later warm-removed events). */
  replaces?: string[];
  /** warm-added: where its chunks lie in the stream `ZTSDB_CHUNKS`, so a restart resumes after them. */
  chunkSeqs?: ChunkSeqRange;
  atMs: number;
}

/**
 * Stream sequences of `ZTSDB_CHUNKS` behind a warm file: its chunks lie in
 * [min, max], and it was written from a fetched batch that began at
 * `batchMin`. Every chunk of the file's partition up to `max` is in this or
 * an earlier warm file.
 */
export interface ChunkSeqRange {
  min: number;
  max: number;
  batchMin: number;
}

/**
 * Frame: magic, version, 3 reserved bytes, u32 body length, UTF-8 JSON body, [chunk table,]
 * CRC-32C. An event that lists chunks is written as version 2 (the chunks in a binary table
 * after the JSON, docs/format/manifest.md), any other as version 1.
 */
export function encodeManifestEvent(e: ManifestEvent): Uint8Array {
  const chunks = e.chunks;
  const table =
    e.kind === 'warm-added' &&
    chunks !== undefined &&
    chunks.length > 0 &&
    fitsChunkTable(chunks, e.minT);
  const body = new TextEncoder().encode(JSON.stringify(table ? { ...e, chunks: undefined } : e));
  const tableLength = table ? chunkTableLength(chunks, e.minT) : 0;
  const bytes = new Uint8Array(HEADER + body.length + tableLength + 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MANIFEST_EVENT_MAGIC, true);
  view.setUint8(4, table ? MANIFEST_EVENT_VERSION_CHUNK_TABLE : MANIFEST_EVENT_VERSION);
  view.setUint32(8, body.length, true);
  bytes.set(body, HEADER);
  if (table) writeChunkTable(bytes, HEADER + body.length, chunks, e.minT);
  view.setUint32(bytes.length - 4, crc32c(bytes, 0, bytes.length - 4), true);
  return bytes;
}

export function decodeManifestEvent(message: Uint8Array): ManifestEvent {
  if (message.length < HEADER + 4)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireShort,
      `manifest event of ${message.length} bytes is too short`,
    );
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (view.getUint32(0, true) !== MANIFEST_EVENT_MAGIC)
    throw new WireDecodeError(WIRE_ERROR_CODES.wireMagic, 'not a manifest event', { offset: 0 });
  const version = view.getUint8(4);
  if (version !== MANIFEST_EVENT_VERSION && version !== MANIFEST_EVENT_VERSION_CHUNK_TABLE)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireVersion,
      `manifest event version ${view.getUint8(4)} is not supported`,
      { offset: 4 },
    );
  const len = view.getUint32(8, true);
  if (
    len > MAX_BODY ||
    (version === MANIFEST_EVENT_VERSION
      ? message.length !== HEADER + len + 4
      : message.length < HEADER + len + 4 + 4)
  )
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireLength,
      `manifest event body of ${len} bytes does not fit the message`,
      { offset: 8 },
    );
  if (view.getUint32(message.length - 4, true) !== crc32c(message, 0, message.length - 4)) {
    throw new WireDecodeError(WIRE_ERROR_CODES.wireChecksum, 'manifest event checksum mismatch', {
      offset: message.length - 4,
    });
  }
  if (view.getUint8(5) !== 0 || view.getUint16(6, true) !== 0)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireReserved,
      'manifest event has reserved bits set',
      {
        offset: 5,
      },
    );
  let e: ManifestEvent;
  try {
    e = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(message.subarray(HEADER, HEADER + len)),
    ) as ManifestEvent;
  } catch (err) {
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireBody,
      `manifest event body is not JSON: ${(err as Error).message}`,
      { offset: HEADER },
    );
  }
  if (!hasManifestEventShape(e))
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireBody,
      'manifest event body has the wrong shape',
      {
        offset: HEADER,
      },
    );
  if (
    !KINDS.includes(e.kind) ||
    !Number.isInteger(e.partition) ||
    typeof e.file !== 'string' ||
    e.file.includes('..')
  ) {
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireBody,
      `manifest event has a bad kind, partition or file`,
      { offset: HEADER },
    );
  }
  if (version === MANIFEST_EVENT_VERSION_CHUNK_TABLE) {
    if (e.chunks !== undefined || e.kind !== 'warm-added' || !Number.isSafeInteger(e.minT))
      throw new WireDecodeError(
        WIRE_ERROR_CODES.wireBody,
        'manifest event version 2 is a warm-added event with an integer minT and no chunks in its JSON',
        { offset: HEADER },
      );
    e.chunks = readChunkTable(message, HEADER + len, message.length - 4, e.minT, (msg, offset) => {
      throw new WireDecodeError(WIRE_ERROR_CODES.wireChunk, `manifest event ${msg}`, { offset });
    });
  }
  return e;
}

/** `Nats-Msg-Id` of a manifest event: one event per kind and file. */
export function manifestEventId(e: Pick<ManifestEvent, 'kind' | 'file'>): string {
  return `${e.kind}:${e.file}`;
}
