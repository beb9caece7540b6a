import { DataType, load, open } from 'ffi-rs';
import { readFileSync } from 'node:fs';
import { MADV_DONTNEED, madviseRaw } from './libc-mmap';

const LIBRARY = 'ztsdb_libc_malloc';
/** mallopt's parameter number for the mmap threshold (glibc malloc.h). */
const M_MMAP_THRESHOLD = -3;
let opened = false;

function ensureOpen(): void {
  if (opened) return;
  open({ library: LIBRARY, path: 'libc.so.6' });
  opened = true;
}

/**
 * mallopt(M_MMAP_THRESHOLD, bytes): memory blocks of at least `bytes` get a
 * mapping of their own, given back to the kernel when freed. Node's off-heap
 * memory (Buffers, typed arrays, the NATS client's messages) comes from
 * malloc. Setting the threshold also stops glibc's default of raising it to
 * the largest block freed so far (up to 32 MiB): after that, large buffers come
 * from the heap, and glibc gives back only a heap's top on free, so after a
 * burst of them the freed pages between live blocks stay resident.
 * Returns false where there is no glibc (musl, another OS): nothing changes.
 */
export function setMmapThreshold(bytes: number): boolean {
  try {
    ensureOpen();
    return (
      load({
        library: LIBRARY,
        funcName: 'mallopt',
        retType: DataType.I32,
        paramsType: [DataType.I32, DataType.I32],
        paramsValue: [M_MMAP_THRESHOLD, bytes],
      }) === 1
    );
  } catch {
    return false;
  }
}

/**
 * glibc's malloc_trim(0): gives the free pages between live blocks of the
 * allocator's heaps back to the kernel (small blocks, below the mmap
 * threshold, that a burst freed). It costs a system call per free block on
 * every call (tens to hundreds of milliseconds on a fragmented heap), so it is
 * for once a burst is over. False where there is no glibc.
 */
export function mallocTrim(): boolean {
  try {
    ensureOpen();
    load({
      library: LIBRARY,
      funcName: 'malloc_trim',
      retType: DataType.I32,
      paramsType: [DataType.U64],
      paramsValue: [0],
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * Drops from the process's RSS the pages of its shared file mappings whose
 * path passes `wanted` (madvise MADV_DONTNEED): the pages stay in the page
 * cache and are mapped again on the next access, so nothing is lost, dirty
 * shared pages included. For a database's map (LMDB maps its whole file and
 * reads through it; the kernel maps pages around each one read, so a log file
 * that is written and trimmed ends up resident whole). Private mappings are
 * left alone (dropping would discard their copies). Returns the bytes of the
 * ranges advised; 0 where /proc or glibc are missing.
 */
export function dropMappedFilePages(wanted: (path: string) => boolean): number {
  let maps: string;
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return 0;
  }
  let bytes = 0;
  for (const line of maps.split('\n')) {
    // start-end perms offset dev inode path
    const m = /^([0-9a-f]+)-([0-9a-f]+) [r-][w-][x-]s \S+ \S+ \S+\s+(\/.*)$/.exec(line);
    if (!m || !wanted(m[3]!)) continue;
    const start = parseInt(m[1]!, 16);
    const length = parseInt(m[2]!, 16) - start;
    try {
      if (madviseRaw(start, length, MADV_DONTNEED) === 0) bytes += length;
    } catch {
      return bytes;
    }
  }
  return bytes;
}
