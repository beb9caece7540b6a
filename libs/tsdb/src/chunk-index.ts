import { decodeChunk } from '@ztsdb/chunkenc';
import { crc32c } from '@ztsdb/checksum';
import { CorruptionError } from '@ztsdb/errors';
import { IndexCorruptError, type SkipSink } from './errors';
import { chunkKey, parseChunkKey } from './lmdb-keys';
import { clipRange, type VersionedPoints } from './points';
import type { SealedChunk } from './sealed-chunk';
import type { WalDb } from './wal';

export const CHUNK_ENTRY_VERSION = 1;
const ENTRY_HEADER = 28;

/**
 * The chunk index in LMDB: sealed chunks that have not yet moved to a warm
 * file, key = series id (u64 BE) + version (u64 BE), value = [version u8]
 * [reserved ×3][count u32][minT f64][maxT f64][CRC-32C u32 of the other
 * bytes][chunk bytes]. Range reads per series; written in the same
 * transaction as the WAL record whose samples sealed them.
 */
export class ChunkIndex {
  constructor(readonly db: WalDb) {}

  static encode(c: SealedChunk): Buffer {
    const out = Buffer.allocUnsafe(ENTRY_HEADER + c.bytes.length);
    out[0] = CHUNK_ENTRY_VERSION;
    out[1] = 0;
    out[2] = 0;
    out[3] = 0;
    out.writeUInt32LE(c.count, 4);
    out.writeDoubleLE(c.minT, 8);
    out.writeDoubleLE(c.maxT, 16);
    out.set(c.bytes, ENTRY_HEADER);
    const crc = crc32c(out, ENTRY_HEADER, out.length, crc32c(out, 0, 24));
    out.writeUInt32LE(crc, 24);
    return out;
  }

  static decode(key: Uint8Array, value: Uint8Array): SealedChunk {
    const { seriesId, version } = parseChunkKey(key);
    const b = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const ctx = { seriesId, version };
    if (b.length < ENTRY_HEADER)
      throw new IndexCorruptError(`chunk index entry of ${b.length} bytes`, ctx);
    if (b[0] !== CHUNK_ENTRY_VERSION || b[1] !== 0 || b[2] !== 0 || b[3] !== 0) {
      throw new IndexCorruptError(`chunk index entry: bad version/reserved bytes`, {
        ...ctx,
        offset: 0,
      });
    }
    const crc = crc32c(b, ENTRY_HEADER, b.length, crc32c(b, 0, 24));
    if (crc !== b.readUInt32LE(24))
      throw new IndexCorruptError(`chunk index entry: CRC-32C mismatch`, { ...ctx, offset: 24 });
    return {
      seriesId,
      version,
      count: b.readUInt32LE(4),
      minT: b.readDoubleLE(8),
      maxT: b.readDoubleLE(16),
      bytes: new Uint8Array(b.buffer, b.byteOffset + ENTRY_HEADER, b.length - ENTRY_HEADER),
    };
  }

  put(c: SealedChunk): Promise<boolean> {
    return this.db.put(chunkKey(c.seriesId, c.version), ChunkIndex.encode(c));
  }

  /** Points of one series within [start, end], one entry per chunk; damaged entries go to onSkip. */
  read(seriesId: bigint, start: number, end: number, onSkip?: SkipSink): VersionedPoints[] {
    const out: VersionedPoints[] = [];
    const range = {
      start: chunkKey(seriesId, 0),
      end: chunkKey(seriesId + 1n > 0xffffffffffffffffn ? seriesId : seriesId + 1n, 0),
    };
    for (const { key, value } of this.db.getRange(range)) {
      if (seriesId === 0xffffffffffffffffn && parseChunkKey(key).seriesId !== seriesId) continue;
      let c: SealedChunk;
      try {
        c = ChunkIndex.decode(key, value);
        if (c.maxT < start || c.minT > end) continue;
        const pts = decodeEntryChunk(c);
        out.push(clipRange({ ...pts, version: c.version }, start, end));
      } catch (err) {
        if (!(err instanceof CorruptionError)) throw err;
        onSkip?.(
          err instanceof IndexCorruptError
            ? err
            : new IndexCorruptError(
                `chunk index entry does not decode: ${err.message}`,
                { seriesId },
                { cause: err },
              ),
        );
      }
    }
    return out;
  }

  /** Every entry (keys and decoded chunks; null for a damaged entry, reported to onSkip), for moving them to a warm file. */
  all(onSkip?: SkipSink): { key: Buffer; chunk: SealedChunk | null }[] {
    const out: { key: Buffer; chunk: SealedChunk | null }[] = [];
    for (const { key, value } of this.db.getRange({ snapshot: false })) {
      try {
        const c = ChunkIndex.decode(key, value);
        out.push({ key: Buffer.from(key), chunk: { ...c, bytes: c.bytes.slice() } });
      } catch (err) {
        if (err instanceof IndexCorruptError) {
          onSkip?.(err);
          out.push({ key: Buffer.from(key), chunk: null });
        } else throw err;
      }
    }
    return out;
  }

  count(): number {
    return this.db.getKeysCount();
  }
}

function decodeEntryChunk(c: SealedChunk): { timestamps: Float64Array; values: Float64Array } {
  // The entry CRC already covered these bytes; either chunk version decodes.
  const n = c.bytes.length >= 3 ? (c.bytes[1]! << 8) | c.bytes[2]! : -1;
  if (n !== c.count)
    throw new IndexCorruptError(`chunk holds ${n} points, index says ${c.count}`, {
      seriesId: c.seriesId,
    });
  return decodeChunk(c.bytes, false);
}
