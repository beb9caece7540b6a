import { DataType, load, open, type JsExternal } from 'ffi-rs';

// Linux constants (asm-generic; identical on x86_64 and aarch64).
export const PROT_READ = 0x1;
export const MAP_SHARED = 0x01;
/** madvise's advice that drops a range's pages from the process (file pages stay cached). */
export const MADV_DONTNEED = 4;

const LIBRARY = 'ztsdb_libc';

type ErrnoResult = { value: number; errnoCode: number; errnoMessage: string };
let opened = false;

function ensureOpen(): void {
  if (opened) return;
  open({ library: LIBRARY, path: 'libc.so.6' });
  opened = true;
}

export interface MmapResult {
  /** Address as a number (user-space addresses fit in 2^53), -1 on failure. */
  address: number;
  errno: number;
  errnoMessage: string;
}

/** mmap(NULL, length, prot, flags, fd, offset). Returns the address or -1 with errno. */
export function mmapRaw(
  length: number,
  prot: number,
  flags: number,
  fd: number,
  offset = 0,
): MmapResult {
  ensureOpen();
  const r = load({
    library: LIBRARY,
    funcName: 'mmap',
    retType: DataType.I64,
    paramsType: [
      DataType.I64,
      DataType.U64,
      DataType.I32,
      DataType.I32,
      DataType.I32,
      DataType.I64,
    ],
    paramsValue: [0, length, prot, flags, fd, offset],
    errno: true,
  }) as ErrnoResult;
  return { address: r.value, errno: r.errnoCode, errnoMessage: r.errnoMessage };
}

/** munmap(address, length); returns 0 or an errno. */
export function munmapRaw(address: number, length: number): number {
  ensureOpen();
  const r = load({
    library: LIBRARY,
    funcName: 'munmap',
    retType: DataType.I32,
    paramsType: [DataType.I64, DataType.U64],
    paramsValue: [address, length],
    errno: true,
  }) as ErrnoResult;
  return r.value === 0 ? 0 : r.errnoCode || -1;
}

/**
 * Turns an address into an ffi-rs pointer without touching memory:
 * memcpy(p, p, 0) returns its first argument.
 */
export function addressToExternal(address: number): JsExternal {
  ensureOpen();
  return load({
    library: LIBRARY,
    funcName: 'memcpy',
    retType: DataType.External,
    paramsType: [DataType.I64, DataType.I64, DataType.U64],
    paramsValue: [address, address, 0],
  });
}

/** madvise(address, length, advice); returns 0 or an errno. */
export function madviseRaw(address: number, length: number, advice: number): number {
  ensureOpen();
  const r = load({
    library: LIBRARY,
    funcName: 'madvise',
    retType: DataType.I32,
    paramsType: [DataType.I64, DataType.U64, DataType.I32],
    paramsValue: [address, length, advice],
    errno: true,
  }) as ErrnoResult;
  return r.value === 0 ? 0 : r.errnoCode || -1;
}
