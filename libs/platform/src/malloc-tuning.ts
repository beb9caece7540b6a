import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { dropMappedFilePages, mallocTrim, setMmapThreshold } from '@ztsdb/fileutil';

/** RSS growth since the last trim (or the lowest RSS since) after which a quiet process trims. */
const TRIM_AFTER_GROWTH = 64 * 1024 * 1024;
/** Growth between two checks below which the process counts as quiet (its burst is over). */
const QUIET_GROWTH = 1024 * 1024;

export interface MemoryReleaseOptions {
  /** ZTSDB_MALLOC_MMAP_THRESHOLD (0: glibc's default). */
  mmapThreshold: number;
  /** ZTSDB_MEMORY_RELEASE_INTERVAL (0: never). */
  intervalMs: number;
  /** ZTSDB_DATA_DIR: the pages of the WAL files mapped under its `wal/` are dropped. */
  dataDir: string;
}

/**
 * Gives memory a service no longer uses back to the kernel; call it before the
 * service allocates. glibc keeps what a burst (an import's sample batches,
 * slab pages, a merge's blocks, a query's decoded columns) freed in the
 * process's RSS: large blocks now get mappings of their own, unmapped when
 * freed (`mmapThreshold`); small ones stay in the heaps, so every interval the
 * RSS is looked at, and once it grew by TRIM_AFTER_GROWTH and stopped growing
 * the free pages are given back (malloc_trim: once per burst rather than every
 * tick, as a trim costs a system call per free block). Every interval, too,
 * the ingestor's WAL pages leave its RSS: LMDB maps its file and the kernel
 * maps the pages around each one read, so a log written and trimmed for a
 * while is resident whole; dropped, they stay in the page cache. Returns the
 * stop function.
 */
export function releaseMemory(o: MemoryReleaseOptions): () => void {
  if (o.mmapThreshold > 0) setMmapThreshold(o.mmapThreshold);
  if (o.intervalMs <= 0) return () => undefined;
  const walDir = resolve(o.dataDir, 'wal');
  let base = process.memoryUsage.rss();
  let last = base;
  const timer = setInterval(() => {
    let dir = walDir;
    try {
      dir = realpathSync(walDir);
    } catch {
      // no WAL here (not an ingestor, or not yet created)
    }
    dropMappedFilePages((p) => p.startsWith(dir + '/') && p.endsWith('.mdb'));
    const rss = process.memoryUsage.rss();
    const quiet = rss - last < QUIET_GROWTH;
    last = rss;
    if (rss < base) base = rss;
    if (!quiet || rss - base < TRIM_AFTER_GROWTH) return;
    mallocTrim();
    base = last = process.memoryUsage.rss();
  }, o.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
