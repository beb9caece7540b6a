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
  private readonly buf: Uint8Array;
  private used = 0;
  private bytes = 0;
  private crc = 0;
  private readonly pending: Uint8Array[] = [];

  private constructor(
    private readonly file: AtomicFileWriter,
    meta: ColdFileMeta,
    bufferBytes: number,
  ) {
    this.enc = new ColdEncoder(meta);
    this.buf = new Uint8Array(Math.max(64 << 10, bufferBytes));
    this.copyIn(this.enc.head);
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
    this.enc.addSeries(s, this.pending);
    for (const piece of this.pending) {
      if (this.used + piece.length > this.buf.length) await this.flush();
      if (piece.length > this.buf.length) await this.writeOut(piece);
      else this.copyIn(piece);
    }
    this.pending.length = 0;
  }

  /** Writes the index and footer and makes the file durable under its name. */
  async finish(): Promise<ColdFileSummary> {
    for (const piece of this.enc.tail()) {
      if (this.used + piece.length > this.buf.length) await this.flush();
      if (piece.length > this.buf.length) await this.writeOut(piece);
      else this.copyIn(piece);
    }
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
    return this.file.abort();
  }

  private copyIn(piece: Uint8Array): void {
    this.buf.set(piece, this.used);
    this.used += piece.length;
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const n = this.used;
    this.used = 0;
    await this.writeOut(this.buf.subarray(0, n));
  }

  private async writeOut(bytes: Uint8Array): Promise<void> {
    this.crc = crc32c(bytes, 0, bytes.length, this.crc);
    this.bytes += bytes.length;
    await this.file.write(bytes);
  }
}
