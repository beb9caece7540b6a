import type { ZtsdbError } from '@ztsdb/errors';
import { lowerBound, upperBound, type VersionedPoints } from '@ztsdb/tsdb';

/** Decoded points of one series from one file over [start, end], and what was skipped reading them. */
interface Entry {
  file: string;
  start: number;
  end: number;
  units: VersionedPoints[];
  skipped: ZtsdbError[];
  bytes: number;
}

/** Bookkeeping per entry beyond its points (key, arrays, objects), for the byte budget. */
const ENTRY_OVERHEAD = 256;

/** Appends the parts of `units` inside [start, end] to `out` (views, no copy). */
export function clipUnits(
  units: readonly VersionedPoints[],
  start: number,
  end: number,
  out: VersionedPoints[],
): void {
  for (const u of units) {
    const ts = u.timestamps;
    const n = ts.length;
    if (n === 0) continue;
    const a = start <= ts[0]! ? 0 : lowerBound(ts, start);
    const b = end >= ts[n - 1]! ? n : upperBound(ts, end, a);
    if (b <= a) continue;
    out.push(
      a === 0 && b === n
        ? u
        : { timestamps: ts.subarray(a, b), values: u.values.subarray(a, b), version: u.version },
    );
  }
}

function owned(a: Float64Array): Float64Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}

/**
 * A least-recently-used cache of decoded warm and cold points, keyed by file
 * and series, bounded by bytes. Files never change once written (a new file
 * replaces an old one), so an entry is right until its file leaves the
 * catalog, when `dropFile` removes it. An entry remembers the range it was
 * read for and what the reader skipped (damaged chunks or blocks), so a hit
 * returns the same points and the same warnings as a read.
 */
export class DecodedCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byFile = new Map<string, Set<string>>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  private static key(file: string, seriesId: bigint): string {
    return `${file}\u0000${seriesId}`;
  }

  /**
   * Appends the cached units clipped to [start, end] and replays the skips;
   * false (nothing appended) when no entry covers the range.
   */
  read(
    file: string,
    seriesId: bigint,
    start: number,
    end: number,
    out: VersionedPoints[],
    onSkip: (e: ZtsdbError) => void,
  ): boolean {
    const key = DecodedCache.key(file, seriesId);
    const e = this.entries.get(key);
    if (!e || e.start > start || e.end < end) {
      this.misses++;
      return false;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, e);
    clipUnits(e.units, start, end, out);
    for (const s of e.skipped) onSkip(s);
    return true;
  }

  /** Stores what a read of [start, end] gave; an entry larger than the whole budget is not kept. */
  put(
    file: string,
    seriesId: bigint,
    start: number,
    end: number,
    units: readonly VersionedPoints[],
    skipped: readonly ZtsdbError[],
  ): void {
    const kept: VersionedPoints[] = [];
    let bytes = ENTRY_OVERHEAD;
    for (const u of units) {
      if (u.timestamps.length === 0) continue;
      kept.push({ timestamps: owned(u.timestamps), values: owned(u.values), version: u.version });
      bytes += u.timestamps.length * 16 + 64;
    }
    if (bytes > this.maxBytes) return;
    const key = DecodedCache.key(file, seriesId);
    this.remove(key);
    this.entries.set(key, { file, start, end, units: kept, skipped: [...skipped], bytes });
    let keys = this.byFile.get(file);
    if (!keys) this.byFile.set(file, (keys = new Set()));
    keys.add(key);
    this.used += bytes;
    while (this.used > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
    }
  }

  /** Forgets every entry of a file (it left the catalog or was re-added). */
  dropFile(file: string): void {
    const keys = this.byFile.get(file);
    if (!keys) return;
    for (const k of [...keys]) this.remove(k);
  }

  clear(): void {
    this.entries.clear();
    this.byFile.clear();
    this.used = 0;
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.used -= e.bytes;
    const keys = this.byFile.get(e.file);
    keys?.delete(key);
    if (keys && keys.size === 0) this.byFile.delete(e.file);
  }
}
