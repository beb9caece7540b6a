import * as path from 'node:path';
import { ZtsdbError } from '@ztsdb/errors';
import { ColdReader } from './cold-reader';
import type { SkipSink } from '../errors';
import type { CatalogFile } from '@ztsdb/manifest';
import type { VersionedPoints } from '../encoding/points';
import type { StepInstants } from '../encoding/step-thin';
import { WarmReader } from './warm-reader';

type Opened = { ok: WarmReader | ColdReader } | { err: ZtsdbError };

/**
 * Reads warm and cold files named by the catalog, each opened (mmap) once and
 * kept open until `retire`. A file that cannot be opened (missing, damaged
 * header, index or footer) is reported to the skip sink on every read and
 * the rest is served; damaged chunks and blocks are reported the same way.
 * Reads are synchronous and copy what they return, so a file may be retired
 * (unmapped) between two reads.
 */
export class TierReader {
  private readonly open = new Map<string, Opened>();

  private readonly pathOf: (f: CatalogFile) => string;
  /** Cold files prepare() leaves resident, with their bytes (within `residentColdBytes`). */
  private readonly resident = new Map<string, number>();
  private residentBytes = 0;

  /**
   * `where`: the data dir the catalog's paths are relative to, or where each file lies (a
   * cache). `residentColdBytes`: cold files whose pages prepare() leaves resident once it has
   * checked them, in bytes, first come first kept; past it a file's pages are let go as they
   * are checked (ZTSDB_QUERY_COLD_RESIDENT_BYTES).
   */
  constructor(
    where: string | ((f: CatalogFile) => string),
    private readonly residentColdBytes = Infinity,
  ) {
    this.pathOf = typeof where === 'string' ? (f) => path.join(where, f.file) : where;
  }

  private reader(f: CatalogFile): Opened {
    let o = this.open.get(f.file);
    if (!o) {
      const full = this.pathOf(f);
      try {
        o = { ok: f.tier === 'warm' ? WarmReader.open(full) : ColdReader.open(full) };
      } catch (e) {
        const err =
          e instanceof ZtsdbError
            ? e
            : new ZtsdbError(
                'ZTSDB_FILE_UNREADABLE',
                `${full}: ${(e as Error).message}`,
                { file: full },
                { cause: e },
              );
        o = { err };
      }
      this.open.set(f.file, o);
    }
    return o;
  }

  /** Readers of the files that overlap [start, end]; a file that cannot be opened goes to `onSkip`. */
  private *overlapping(
    files: readonly CatalogFile[],
    start: number,
    end: number,
    onSkip: SkipSink,
  ): Generator<WarmReader | ColdReader> {
    for (const f of files) {
      if (f.maxT < start || f.minT > end) continue;
      const o = this.reader(f);
      if ('err' in o) onSkip(o.err);
      else yield o.ok;
    }
  }

  /**
   * Appends to `out` the stored units of one series within [start, end] from
   * `files` (those of the series' partition); skipped data goes to `onSkip`.
   */
  read(
    files: readonly CatalogFile[],
    seriesId: bigint,
    start: number,
    end: number,
    out: VersionedPoints[],
    onSkip: SkipSink,
  ): void {
    for (const r of this.overlapping(files, start, end, onSkip)) {
      if (r instanceof WarmReader) {
        for (const u of r.read(seriesId, start, end, onSkip)) out.push(u);
      } else {
        const u = r.read(seriesId, start, end, onSkip);
        if (u) out.push(u);
      }
    }
  }

  /**
   * As read(), keeping only the points step sampling at `inst` needs (step-thin.ts): warm
   * chunks are thinned as they are decoded, a cold file's blocks are decoded into a scratch
   * and thinned there.
   */
  readAtInstants(
    files: readonly CatalogFile[],
    seriesId: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    out: VersionedPoints[],
    onSkip: SkipSink,
  ): void {
    for (const r of this.overlapping(files, start, end, onSkip)) {
      if (r instanceof WarmReader) {
        for (const u of r.readAtInstants(seriesId, start, end, inst, onSkip)) out.push(u);
      } else {
        const thin = r.readAtInstants(seriesId, start, end, inst, onSkip);
        if (thin) out.push(thin);
      }
    }
  }

  /**
   * As readAtInstants over the one file `f`, when that read needs no whole column decoded:
   * a warm file (its chunks are thinned as they are decoded), a cold file whose blocks for the
   * series are readable by index (ColdReader.readAtInstantsIfPickable), or a file that cannot
   * be opened (reported). False, with nothing read, for a cold file whose columns would be
   * decoded whole: a caller with a decoded cache reads those through it.
   */
  readAtInstantsIfCheap(
    f: CatalogFile,
    seriesId: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    out: VersionedPoints[],
    onSkip: SkipSink,
  ): boolean {
    if (f.maxT < start || f.minT > end) return true;
    const o = this.reader(f);
    if ('err' in o) {
      onSkip(o.err);
      return true;
    }
    const r = o.ok;
    if (r instanceof WarmReader) {
      for (const u of r.readAtInstants(seriesId, start, end, inst, onSkip)) out.push(u);
      return true;
    }
    const thin = r.readAtInstantsIfPickable(seriesId, start, end, inst, onSkip);
    if (thin === undefined) return false;
    if (thin) out.push(thin);
    return true;
  }

  /**
   * ColdReader.sampleAtInstants of one series from the one file `f` when it is a cold file
   * that opened: the values of an instant selector at `inst`, written into `out`, and the
   * count of points they took; -1, with nothing written, when the file or the series' blocks
   * are not read that way (the caller reads them the usual way, which reports damage).
   */
  sampleAtInstants(
    f: CatalogFile,
    seriesId: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    lookbackMs: number,
    out: Float64Array,
  ): number {
    const o = this.reader(f);
    if ('err' in o || !(o.ok instanceof ColdReader)) return -1;
    return o.ok.sampleAtInstants(seriesId, start, end, inst, lookbackMs, out);
  }

  /**
   * Opens cold file `f` ahead of reads and checks its blocks' CRC-32Cs a slice at a time,
   * yielding to the event loop between slices (`yieldNow`), so that the first query of the
   * file neither parses its index nor checks what it reads. Past `residentColdBytes`, the
   * pages a slice's check brought in are let go after it: the check reads every file whole,
   * and the process then keeps resident what queries read, not every file on the host. Stops
   * when the file is retired meanwhile; a file that cannot be opened is left to the reads to
   * report.
   */
  async prepare(f: CatalogFile, yieldNow: () => Promise<void>, slice = 256): Promise<void> {
    if (f.tier !== 'cold') return;
    const o = this.reader(f);
    if ('err' in o || !(o.ok instanceof ColdReader)) return;
    const r = o.ok;
    const drop = !this.keepsResident(f.file, r.fileBytes);
    for (let b = 0; b < r.blockCount;) {
      if (this.open.get(f.file) !== o) return;
      const from = b;
      const checked = r.verifiedBlocks;
      b = r.verifyBlocks(from, from + slice);
      // Only a slice checked now: pages of one checked before are there for a query's reads.
      if (drop && r.verifiedBlocks !== checked) r.dropPages(from, b);
      await yieldNow();
    }
  }

  /** Whether prepare() leaves cold file `file` resident: once kept, until it is retired. */
  private keepsResident(file: string, bytes: number): boolean {
    if (this.resident.has(file)) return true;
    if (this.residentBytes + bytes > this.residentColdBytes) return false;
    this.resident.set(file, bytes);
    this.residentBytes += bytes;
    return true;
  }

  /** Closes (unmaps) a file no longer in the catalog. */
  retire(file: string): void {
    const o = this.open.get(file);
    this.open.delete(file);
    if (o && 'ok' in o) o.ok.close();
    this.residentBytes -= this.resident.get(file) ?? 0;
    this.resident.delete(file);
  }

  /** Forgets a cached open error so the next read tries again. */
  forget(file: string): void {
    const o = this.open.get(file);
    if (o && 'err' in o) this.open.delete(file);
  }

  get openFiles(): number {
    return this.open.size;
  }

  close(): void {
    for (const f of [...this.open.keys()]) this.retire(f);
  }
}
