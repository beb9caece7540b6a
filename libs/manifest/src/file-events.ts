import { crc32c } from '@ztsdb/checksum';
import type { ChunkSeqRange, ManifestChunkRef, ManifestEvent } from '@ztsdb/wire';

/** Size and CRC-32C of a file written as `pieces`, for its manifest event. */
export function sizeAndCrc(pieces: readonly Uint8Array[]): { bytes: number; crc32c: number } {
  let crc = 0;
  let bytes = 0;
  for (const p of pieces) {
    crc = crc32c(p, 0, p.length, crc);
    bytes += p.length;
  }
  return { bytes, crc32c: crc };
}

export function addedEvent(
  kind: 'warm-added' | 'cold-added',
  partition: number,
  file: string,
  pieces: readonly Uint8Array[],
  stats: { minT: number; maxT: number; seriesCount: number; points: number },
  extra: {
    chunks?: ManifestChunkRef[];
    replaces?: string[];
    chunkSeqs?: ChunkSeqRange;
    /** The file's object in the bucket `ztsdb_tiers`. */
    object?: string;
  } = {},
  atMs = Date.now(),
): ManifestEvent {
  return { kind, partition, file, ...sizeAndCrc(pieces), ...stats, ...extra, atMs };
}

export function removalEvent(
  kind: 'warm-removed' | 'expired',
  partition: number,
  file: string,
  atMs = Date.now(),
): ManifestEvent {
  return {
    kind,
    partition,
    file,
    bytes: 0,
    crc32c: 0,
    minT: 0,
    maxT: 0,
    seriesCount: 0,
    points: 0,
    atMs,
  };
}
