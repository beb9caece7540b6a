import { crc32c } from '@ztsdb/checksum';
import { AtomicFileWriter } from '@ztsdb/fileutil';
import type { ColdSeries } from './cold-format';
import { ColdEncoder, type ColdFileMeta } from './cold-writer';

/** Bytes of encoded blocks a ColdFileWriter holds before writing them out, unless told otherwise. */
export const DEFAULT_COLD_WRITE_BUFFER_BYTES = 4 << 20;

/** What a finished cold file holds, for its manifest event. */
export interface ColdFileSummary {
  bytes: number;
  crc32c: number;
  seriesCount: number;
  points: number;
  minT: number;
  maxT: number;
}

/**
 * Writes a cold file series by series, so a merge holds one series' points
 * and at most `bufferBytes` of encoded blocks, not a whole window. The file
 * appears under its name only when finish() has made it durable (temp name,
 * fsync, rename, fsync dir); the bytes are the same as encodeColdFile's for
 * the same series.
 */
export class ColdFileWriter {
  private readonly enc: ColdEncoder;
  /** Encoded pieces not written yet, and their bytes. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private bytes = 0;
  private crc = 0;

  private constructor(
    private readonly file: AtomicFileWriter,
    meta: ColdFileMeta,
    private readonly bufferBytes: number,
  ) {
    this.enc = new ColdEncoder(meta);
    this.keep([this.enc.head]);
  }

  static async open(
    path: string,
    meta: ColdFileMeta,
    bufferBytes = DEFAULT_COLD_WRITE_BUFFER_BYTES,
  ): Promise<ColdFileWriter> {
    return new ColdFileWriter(await AtomicFileWriter.open(path), meta, bufferBytes);
  }

  /** Series with points so far. */
  get seriesCount(): number {
    return this.enc.seriesCount;
  }

  /** Appends one series (ids ascending; timestamps sorted and unique; an empty one is left out). */
  async add(s: ColdSeries): Promise<void> {
    const pieces: Uint8Array[] = [];
    this.enc.addSeries(s, pieces);
    this.keep(pieces);
    if (this.pendingBytes >= this.bufferBytes) await this.flush();
  }

  /** Writes the index and footer and makes the file durable under its name. */
  async finish(): Promise<ColdFileSummary> {
    this.keep(this.enc.tail());
    await this.flush();
    await this.file.commit();
    const e = this.enc;
    return {
      bytes: this.bytes,
      crc32c: this.crc,
      seriesCount: e.seriesCount,
      points: e.points,
      minT: e.minT,
      maxT: e.maxT,
    };
  }

  /** Drops the unfinished file. */
  abort(): Promise<void> {
    this.pending = [];
    return this.file.abort();
  }

  private keep(pieces: readonly Uint8Array[]): void {
    for (const p of pieces) {
      this.pending.push(p);
      this.pendingBytes += p.length;
      this.crc = crc32c(p, 0, p.length, this.crc);
    }
  }

  private async flush(): Promise<void> {
    const pieces = this.pending;
    this.pending = [];
    this.bytes += this.pendingBytes;
    this.pendingBytes = 0;
    await this.file.write(pieces);
  }
}
