import * as fs from 'node:fs';
import { createExternalBuffer } from 'ffi-rs';
import { ZtsdbError } from '@ztsdb/errors';
import {
  MADV_DONTNEED,
  MAP_SHARED,
  PROT_READ,
  addressToExternal,
  madviseRaw,
  mmapRaw,
  munmapRaw,
} from './libc-mmap';
import { FILEUTIL_ERROR_CODES } from './errors';

const EMPTY = Buffer.alloc(0);
/** What dropPages aligns to: a page on every Linux (4 KiB, 16 KiB and 64 KiB pages divide it). */
const DROP_ALIGN = 64 * 1024;

/**
 * A whole file mapped read-only (PROT_READ, MAP_SHARED). `buffer` is a view of
 * the mapping, no copy. After `close()` the memory is unmapped: any Buffer or
 * slice taken from `buffer` must no longer be touched (the process would
 * fault). The file must not be truncated while mapped; ztsdb files are
 * immutable once renamed into place.
 */
export class MappedFile {
  private buf: Buffer;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly address: number,
    readonly size: number,
    buffer: Buffer,
  ) {
    this.buf = buffer;
  }

  static open(path: string): MappedFile {
    const fd = fs.openSync(path, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      if (size === 0) return new MappedFile(path, 0, 0, EMPTY);
      const r = mmapRaw(size, PROT_READ, MAP_SHARED, fd, 0);
      if (r.address === -1 || r.address === 0) {
        throw new ZtsdbError(
          FILEUTIL_ERROR_CODES.mmapFailed,
          `mmap of ${path} (${size} bytes) failed: ${r.errnoMessage}`,
          {
            file: path,
            errno: r.errno,
          },
        );
      }
      const buffer = createExternalBuffer(addressToExternal(r.address), size);
      return new MappedFile(path, r.address, size, buffer);
    } finally {
      // The mapping keeps its own reference to the file.
      fs.closeSync(fd);
    }
  }

  /** The mapped bytes. Throws once closed. */
  get buffer(): Buffer {
    if (this.closed)
      throw new ZtsdbError(FILEUTIL_ERROR_CODES.mappedFileClosed, `${this.path} is closed`, {
        file: this.path,
      });
    return this.buf;
  }

  /**
   * Drops the pages of bytes [from, to) from the process's resident memory (madvise
   * MADV_DONTNEED), widened to whole 64 KiB: they stay in the page cache and are mapped again,
   * with the same bytes, by the next read. For bytes read once (a check) and maybe never again.
   * Returns the bytes advised; 0 when closed, empty, or where madvise is missing or refuses.
   */
  dropPages(from = 0, to = this.size): number {
    if (this.closed || this.size === 0 || to <= from) return 0;
    const start = Math.max(0, Math.floor(from / DROP_ALIGN) * DROP_ALIGN);
    const end = Math.min(this.size, Math.ceil(to / DROP_ALIGN) * DROP_ALIGN);
    if (end <= start) return 0;
    try {
      return madviseRaw(this.address + start, end - start, MADV_DONTNEED) === 0 ? end - start : 0;
    } catch {
      return 0;
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buf = EMPTY;
    if (this.size > 0) {
      const err = munmapRaw(this.address, this.size);
      if (err !== 0) {
        throw new ZtsdbError(
          FILEUTIL_ERROR_CODES.munmapFailed,
          `munmap of ${this.path} failed (errno ${err})`,
          { file: this.path },
        );
      }
    }
  }
}
