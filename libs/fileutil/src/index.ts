export {
  writeFileAtomic,
  writeFileAtomicSync,
  fsyncDir,
  fsyncDirSync,
  isAtomicTempName,
} from './write-file-atomic';
export { MappedFile } from './mapped-file';
export { mmapRaw, munmapRaw, PROT_READ, MAP_SHARED } from './libc-mmap';
export type { MmapResult } from './libc-mmap';
export { FILEUTIL_ERROR_CODES } from './errors';
