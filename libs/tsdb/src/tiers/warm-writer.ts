import { compactChunk } from '@ztsdb/chunkenc';
import { crc32c } from '@ztsdb/checksum';
import { writeFileAtomic } from '@ztsdb/fileutil';
import { ByteWriter } from '../encoding/byte-io';
import type { SealedChunk } from '../head/sealed-chunk';
import { WARM_FOOTER_BYTES, WARM_HEADER_BYTES, WARM_MAGIC, WARM_VERSION } from './warm-format';

function header(partition: number): Uint8Array {
  return new ByteWriter(WARM_HEADER_BYTES)
    .u32(WARM_MAGIC)
    .u8(WARM_VERSION)
    .u8(0)
    .u16(0)
    .u32(partition)
    .u32(0)
    .finish();
}

/**
 * Encodes sealed chunks as a warm segment: header, chunk bytes back to back
 * (sorted by series id, then version), series index, footer. Returns the
 * pieces to write in order. Chunks are re-encoded in their smallest form
 * (compactChunk) unless `compact` is false.
 */
export function encodeWarmSegment(
  partition: number,
  chunks: readonly SealedChunk[],
  opts: { compact?: boolean } = {},
): Uint8Array[] {
  // Each chunk is stored in the smaller of its Gorilla and packed forms (chunk versions 1 and 2).
  const input =
    opts.compact === false ? chunks : chunks.map((c) => ({ ...c, bytes: compactChunk(c.bytes) }));
  const sorted = [...input].sort((a, b) =>
    a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : a.version - b.version,
  );
  const head = header(partition);
  const idx = new ByteWriter(64 + sorted.length * 64);
  const pieces: Uint8Array[] = [head];
  let offset = WARM_HEADER_BYTES;
  let seriesCount = 0;
  let minT = Infinity;
  let maxT = -Infinity;
  let i = 0;
  while (i < sorted.length) {
    const id = sorted[i]!.seriesId;
    let j = i;
    while (j < sorted.length && sorted[j]!.seriesId === id) j++;
    idx
      .big64(id)
      .u32(j - i)
      .u32(0);
    for (let k = i; k < j; k++) {
      const c = sorted[k]!;
      idx
        .f64(c.minT)
        .f64(c.maxT)
        .u64(c.version)
        .u64(offset)
        .u32(c.bytes.length)
        .u32(c.count)
        .u32(crc32c(c.bytes))
        .u32(0);
      pieces.push(c.bytes);
      offset += c.bytes.length;
      if (c.minT < minT) minT = c.minT;
      if (c.maxT > maxT) maxT = c.maxT;
    }
    seriesCount++;
    i = j;
  }
  const index = idx.finish();
  pieces.push(index);
  const footer = new ByteWriter(WARM_FOOTER_BYTES)
    .u64(offset)
    .u64(index.length)
    .u32(seriesCount)
    .u32(sorted.length)
    .f64(minT)
    .f64(maxT)
    .u32(crc32c(index))
    .u32(WARM_MAGIC);
  footer.u32(crc32c(footer.view8(), 0, footer.length, crc32c(head)));
  pieces.push(footer.finish());
  return pieces;
}

/** Writes a warm segment through writeFileAtomic (temp name, fsync, rename, fsync dir). */
export async function writeWarmSegment(
  path: string,
  partition: number,
  chunks: readonly SealedChunk[],
): Promise<readonly Uint8Array[]> {
  const pieces = encodeWarmSegment(partition, chunks);
  await writeFileAtomic(path, pieces);
  return pieces;
}
