import { encodeTimestampBlock, encodeValueBlock } from '@ztsdb/blockenc';
import { crc32c } from '@ztsdb/checksum';
import { writeFileAtomic } from '@ztsdb/fileutil';
import { ByteWriter } from '../encoding/byte-io';
import {
  COLD_FOOTER_BYTES,
  COLD_HEADER_BYTES,
  COLD_MAGIC,
  COLD_VERSION,
  DEFAULT_COLD_BLOCK_POINTS,
  type ColdSeries,
} from './cold-format';

export interface ColdFileMeta {
  partition: number;
  windowStart: number;
  windowEnd: number;
  blockPoints?: number;
}

/**
 * Encodes a cold file: header, then per series (ascending id) and per block a
 * timestamp block and a value block (blockenc), then the index with
 * min/max/count per block, then the footer. Returns the pieces in order.
 */
export function encodeColdFile(meta: ColdFileMeta, input: readonly ColdSeries[]): Uint8Array[] {
  const blockPoints = meta.blockPoints ?? DEFAULT_COLD_BLOCK_POINTS;
  const series = [...input]
    .filter((s) => s.timestamps.length > 0)
    .sort((a, b) => (a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : 0));
  const head = new ByteWriter(COLD_HEADER_BYTES)
    .u32(COLD_MAGIC)
    .u8(COLD_VERSION)
    .u8(0)
    .u16(0)
    .u32(meta.partition)
    .u32(0)
    .f64(meta.windowStart)
    .f64(meta.windowEnd)
    .finish();
  const pieces: Uint8Array[] = [head];
  const idx = new ByteWriter(1024 + series.length * 96);
  let offset = COLD_HEADER_BYTES;
  let blockCount = 0;
  let minT = Infinity;
  let maxT = -Infinity;
  for (const s of series) {
    const n = s.timestamps.length;
    const blocks = Math.ceil(n / blockPoints);
    idx.big64(s.seriesId).u64(s.version).u32(blocks).u32(0);
    for (let b = 0; b < blocks; b++) {
      const from = b * blockPoints;
      const to = Math.min(n, from + blockPoints);
      const tsBlock = encodeTimestampBlock(s.timestamps, from, to);
      const valBlock = encodeValueBlock(s.values, from, to);
      let minV = Infinity;
      let maxV = -Infinity;
      for (let i = from; i < to; i++) {
        const v = s.values[i]!;
        if (v < minV) minV = v;
        if (v > maxV) maxV = v;
      }
      if (minV > maxV) minV = maxV = NaN; // all NaN
      const bMin = s.timestamps[from]!;
      const bMax = s.timestamps[to - 1]!;
      idx
        .f64(bMin)
        .f64(bMax)
        .f64(minV)
        .f64(maxV)
        .u64(offset)
        .u32(to - from)
        .u32(tsBlock.length)
        .u32(valBlock.length)
        .u32(crc32c(tsBlock))
        .u32(crc32c(valBlock))
        .u32(0);
      pieces.push(tsBlock, valBlock);
      offset += tsBlock.length + valBlock.length;
      blockCount++;
      if (bMin < minT) minT = bMin;
      if (bMax > maxT) maxT = bMax;
    }
  }
  const index = idx.finish();
  pieces.push(index);
  const footer = new ByteWriter(COLD_FOOTER_BYTES)
    .u64(offset)
    .u64(index.length)
    .u32(series.length)
    .u32(blockCount)
    .f64(minT)
    .f64(maxT)
    .u32(crc32c(index))
    .u32(COLD_MAGIC);
  footer.u32(crc32c(footer.view8(), 0, footer.length, crc32c(head)));
  pieces.push(footer.finish());
  return pieces;
}

/** Writes a cold file through writeFileAtomic (temp name, fsync, rename, fsync dir). */
export async function writeColdFile(
  path: string,
  meta: ColdFileMeta,
  series: readonly ColdSeries[],
): Promise<readonly Uint8Array[]> {
  const pieces = encodeColdFile(meta, series);
  await writeFileAtomic(path, pieces);
  return pieces;
}
