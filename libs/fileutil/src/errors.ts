/** Stable codes of the errors this library raises: programs match on them, people read the message. */
export const FILEUTIL_ERROR_CODES = {
  mmapFailed: 'ZTSDB_MMAP_FAILED',
  munmapFailed: 'ZTSDB_MUNMAP_FAILED',
  mappedFileClosed: 'ZTSDB_MAPPED_FILE_CLOSED',
} as const;
