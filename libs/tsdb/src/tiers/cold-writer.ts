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
  /**
   * How many times the smallest encoding a value block readable by index may be and still be
   * chosen (ZTSDB_COLD_PACKED_SLACK_PERCENT); blockenc's default when absent. Not stored.
   */
  packedSlack?: number;
  /**
   * Brotli quality of the second pass a value block's chosen encoding gets
   * (ZTSDB_COLD_BROTLI_QUALITY); blockenc's single pass (5) when absent. Not stored.
   */
  brotliQuality?: number;
}

/**
 * The parts of a cold file (docs/format/cold.md) in the order they are
 * written: header, then per series (ascending id) and per block a timestamp
 * block and a value block (blockenc), then the index with min/max/count per
 * block, then the footer. Both the in-memory encoder and the streaming
 * ColdFileWriter run this one encoder.
 */
export class ColdEncoder {
  readonly head: Uint8Array;
  private readonly blockPoints: number;
  private readonly idx = new ByteWriter(4096);
  /** Offset in the file of the next data byte. */
  offset = COLD_HEADER_BYTES;
  seriesCount = 0;
  blockCount = 0;
  points = 0;
  minT = Infinity;
  maxT = -Infinity;
  private lastId: bigint | undefined;

  constructor(private readonly meta: ColdFileMeta) {
    this.blockPoints = meta.blockPoints ?? DEFAULT_COLD_BLOCK_POINTS;
    this.head = new ByteWriter(COLD_HEADER_BYTES)
      .u32(COLD_MAGIC)
      .u8(COLD_VERSION)
      .u8(0)
      .u16(0)
      .u32(meta.partition)
      .u32(0)
      .f64(meta.windowStart)
      .f64(meta.windowEnd)
      .finish();
  }

  /**
   * Encodes one series' blocks into `out` and its index entries; series come
   * in ascending id order, each with sorted unique timestamps (an empty one is
   * left out).
   */
  addSeries(s: ColdSeries, out: Uint8Array[]): void {
    const n = s.timestamps.length;
    if (n === 0) return;
    if (this.lastId !== undefined && s.seriesId <= this.lastId)
      throw new RangeError(
        `cold file of partition ${this.meta.partition}, window ${this.meta.windowStart}: series ${s.seriesId} after ${this.lastId} (ids must ascend)`,
      );
    this.lastId = s.seriesId;
    const blockPoints = this.blockPoints;
    const blocks = Math.ceil(n / blockPoints);
    const idx = this.idx;
    idx.big64(s.seriesId).u64(s.version).u32(blocks).u32(0);
    for (let b = 0; b < blocks; b++) {
      const from = b * blockPoints;
      const to = Math.min(n, from + blockPoints);
      const tsBlock = encodeTimestampBlock(s.timestamps, from, to);
      const valBlock = encodeValueBlock(
        s.values,
        from,
        to,
        this.meta.packedSlack,
        this.meta.brotliQuality,
      );
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
        .u64(this.offset)
        .u32(to - from)
        .u32(tsBlock.length)
        .u32(valBlock.length)
        .u32(crc32c(tsBlock))
        .u32(crc32c(valBlock))
        .u32(0);
      out.push(tsBlock, valBlock);
      this.offset += tsBlock.length + valBlock.length;
      this.blockCount++;
      if (bMin < this.minT) this.minT = bMin;
      if (bMax > this.maxT) this.maxT = bMax;
    }
    this.seriesCount++;
    this.points += n;
  }

  /** The index and the footer, which end the file. */
  tail(): [Uint8Array, Uint8Array] {
    const index = this.idx.finish();
    const footer = new ByteWriter(COLD_FOOTER_BYTES)
      .u64(this.offset)
      .u64(index.length)
      .u32(this.seriesCount)
      .u32(this.blockCount)
      .f64(this.minT)
      .f64(this.maxT)
      .u32(crc32c(index))
      .u32(COLD_MAGIC);
    footer.u32(crc32c(footer.view8(), 0, footer.length, crc32c(this.head)));
    return [index, footer.finish()];
  }
}

/** Encodes a whole cold file held in memory. Returns the pieces in order. */
export function encodeColdFile(meta: ColdFileMeta, input: readonly ColdSeries[]): Uint8Array[] {
  const series = [...input]
    .filter((s) => s.timestamps.length > 0)
    .sort((a, b) => (a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : 0));
  const enc = new ColdEncoder(meta);
  const pieces: Uint8Array[] = [enc.head];
  for (const s of series) enc.addSeries(s, pieces);
  pieces.push(...enc.tail());
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
