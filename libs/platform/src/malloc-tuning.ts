import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { dropMappedFilePages, mallocTrim, setMmapThreshold } from '@ztsdb/fileutil';
import { ReleasePacer } from './release-pacer';

/**
 * Between the two full GCs, and between the second and the trim: buffers
 * owned by native code (lmdb-js, Node's own) are freed by weak callbacks that
 * run after the first GC and free their memory only at the next; V8 frees the
 * dead buffers' memory in a task after each GC.
 */
const GC_STEP_MS = 100;

export interface MemoryReleaseOptions {
  /** ZTSDB_MALLOC_MMAP_THRESHOLD (0: glibc's default). */
  mmapThreshold: number;
  /** ZTSDB_MEMORY_RELEASE_INTERVAL (0: never). */
  intervalMs: number;
  /**
   * ZTSDB_MEMORY_COLLECT_GROWTH: RSS growth since the last collection below which the end of a
   * burst only trims (ReleasePacer); 0 or absent: it always collects.
   */
  collectAfterGrowth?: number;
  /** ZTSDB_DATA_DIR: the pages of the WAL files mapped under its `wal/` are dropped. */
  dataDir: string;
}

let gcFunction: (() => void) | undefined;
/** The pacers of the releases running in this process (one per releaseMemory call). */
const pacers = new Set<ReleasePacer>();
/** Starts a release's collection at once (one per releaseMemory call). */
const collectors = new Set<() => void>();
/** What lets go of reusable buffers before a collection (onMemoryRelease). */
const shedders = new Set<() => void>();

/**
 * Registers `shed`, called at the start of every collection (the first idle check after a
 * burst, or releaseMemoryNow): a service lets go of the buffers it keeps for reuse (pools,
 * spare pages), which an idle process may not need for hours, so that the collection and
 * the trim give them back. Returns the function that unregisters it.
 */
export function onMemoryRelease(shed: () => void): () => void {
  shedders.add(shed);
  return () => void shedders.delete(shed);
}

function shedAll(): void {
  for (const s of shedders) {
    try {
      s();
    } catch {
      // a pool that cannot let go keeps its buffers; the collection goes on
    }
  }
}

/**
 * Tells the memory release that the process just let go of much memory
 * without a burst of work it would see (the ingestor dropping sealed chunks a
 * warm file now holds): the next idle check collects it.
 */
export function memoryLetGo(): void {
  for (const p of pacers) p.letGo();
}

/**
 * Tells the memory release that a burst of work the caller knows of just ended
 * (the compactor's merge of a partition): its garbage is collected and the
 * allocator's free pages given back now, rather than at the first idle check,
 * which comes one to two intervals later and, after the last merge of a run,
 * may find the process already answering queries. Nothing where the release
 * is off (ZTSDB_MEMORY_RELEASE_INTERVAL 0).
 */
export function releaseMemoryNow(): void {
  for (const c of collectors) c();
}

/**
 * V8's full garbage collection, as `node --expose-gc` gives it: the flag
 * exposes `gc` in contexts created after it is set, so one is made for it and
 * the flag is cleared again. Undefined where the runtime refuses.
 */
export function fullGc(): (() => void) | undefined {
  if (gcFunction) return gcFunction;
  const global = (globalThis as { gc?: () => void }).gc;
  if (typeof global === 'function') return (gcFunction = global);
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    setFlagsFromString('--no-expose-gc');
    if (typeof gc === 'function') gcFunction = gc as () => void;
  } catch {
    // no gc: the trim alone
  }
  return gcFunction;
}

/**
 * Gives memory a service no longer uses back to the kernel; call it before the
 * service allocates. After a burst (an import's sample batches, slab pages, a
 * merge's blocks, a query's decoded columns) neither V8 nor glibc gives back
 * on its own what an idle process holds: the burst's dead buffers and objects
 * wait for V8's next major GC, which an idle process may not have for
 * minutes, and glibc keeps the pages freed between live blocks. Large blocks
 * get mappings of their own, unmapped when freed (`mmapThreshold`). Every
 * interval the CPU time and RSS are looked at (release-pacer.ts): on the first
 * idle check after the process worked, a full GC runs and then malloc_trim
 * gives the free pages back (once per burst rather than every tick: a trim
 * costs a system call per free block, a GC some milliseconds per 10 MiB of
 * live heap); a process that never idles is trimmed once its RSS grew by 64
 * MiB and stopped growing. Every interval, too, the ingestor's WAL pages
 * leave its RSS: LMDB maps its file and the kernel maps the pages around each
 * one read, so a log written and trimmed for a while is resident whole;
 * dropped, they stay in the page cache. Returns the stop function.
 */
export function releaseMemory(o: MemoryReleaseOptions): () => void {
  if (o.mmapThreshold > 0) setMmapThreshold(o.mmapThreshold);
  if (o.intervalMs <= 0) return () => undefined;
  const walDir = resolve(o.dataDir, 'wal');
  const pacer = new ReleasePacer(o.intervalMs, o.collectAfterGrowth ?? 0);
  pacers.add(pacer);
  const gc = fullGc();
  let cpu = process.cpuUsage();
  let pendingTrim: NodeJS.Timeout | undefined;
  const trim = (collected = false) => {
    pendingTrim = undefined;
    mallocTrim();
    pacer.released(process.memoryUsage.rss(), collected);
  };
  const collect = (): void => {
    if (pendingTrim) return;
    shedAll();
    if (!gc) return trim(true);
    gc();
    const step = Math.min(GC_STEP_MS, o.intervalMs / 4);
    pendingTrim = setTimeout(() => {
      gc();
      pendingTrim = setTimeout(() => trim(true), step);
      pendingTrim.unref();
    }, step);
    pendingTrim.unref();
  };
  const timer = setInterval(() => {
    let dir = walDir;
    try {
      dir = realpathSync(walDir);
    } catch {
      // no WAL here (not an ingestor, or not yet created)
    }
    dropMappedFilePages((p) => p.startsWith(dir + '/') && p.endsWith('.mdb'));
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const action = pacer.next({
      cpuMicros: used.user + used.system,
      rssBytes: process.memoryUsage.rss(),
    });
    if (action === 'none' || pendingTrim) return;
    if (action === 'collect') collect();
    else trim();
  }, o.intervalMs);
  timer.unref();
  collectors.add(collect);
  return () => {
    pacers.delete(pacer);
    collectors.delete(collect);
    clearInterval(timer);
    if (pendingTrim) clearTimeout(pendingTrim);
  };
}
