import { closeSync, openSync, statSync, truncateSync } from 'node:fs';
import { DataType, load, open } from 'ffi-rs';

const LIBRARY = 'ztsdb_libc_fallocate';
/** fallocate(2)'s mode: allocate blocks without changing the file's size. */
const FALLOC_FL_KEEP_SIZE = 0x01;

let opened = false;

/**
 * Allocates disk blocks for the first `bytes` bytes of the file at `path` without changing its
 * size (fallocate with FALLOC_FL_KEEP_SIZE): writes within them can no longer fail for want of
 * space, whatever fills the disk afterwards. Returns '' when done, else why not (the errno's
 * message: no space, or a file system without fallocate); never throws for those.
 */
export function reserveFileSpace(path: string, bytes: number): string {
  if (!opened) {
    open({ library: LIBRARY, path: 'libc.so.6' });
    opened = true;
  }
  const fd = openSync(path, 'r+');
  try {
    const r = load({
      library: LIBRARY,
      funcName: 'fallocate',
      retType: DataType.I32,
      paramsType: [DataType.I32, DataType.I32, DataType.I64, DataType.I64],
      paramsValue: [fd, FALLOC_FL_KEEP_SIZE, 0, bytes],
      errno: true,
    }) as { value: number; errnoCode: number; errnoMessage: string };
    return r.value === 0 ? '' : `${r.errnoMessage} (errno ${r.errnoCode})`;
  } finally {
    closeSync(fd);
  }
}

/**
 * Gives back the blocks reserved past the end of the file at `path` (reserveFileSpace): a
 * truncation to a smaller size frees every block past it, reserved or not, so the file is
 * first made one page longer (a hole, no block) and then cut back to its size.
 */
export function releaseReservedSpace(path: string): void {
  const size = statSync(path).size;
  truncateSync(path, size + 4096);
  truncateSync(path, size);
}
