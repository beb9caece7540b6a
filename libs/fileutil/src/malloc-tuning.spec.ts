import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { residentKbOf } from '@ztsdb/testing';
import { MappedFile, dropMappedFilePages, mallocTrim, setMmapThreshold } from './index';

describe('malloc tuning (glibc through ffi-rs)', () => {
  it('sets the mmap threshold on Linux with glibc', () => {
    // The project's hosts and image (node:20-bookworm) are glibc: the call must reach it.
    expect(setMmapThreshold(128 * 1024)).toBe(true);
    expect(setMmapThreshold(256 * 1024)).toBe(true);
  });

  it('trims the heaps on Linux with glibc', () => {
    expect(mallocTrim()).toBe(true);
    expect(mallocTrim()).toBe(true);
  });

  it('drops the resident pages of a shared file mapping, whose contents stay readable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-madvise-'));
    const file = path.join(dir, 'data.mdb');
    const other = path.join(dir, 'other.bin');
    const content = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < content.length; i += 4096) content[i] = ((i >> 12) & 0x7f) + 1;
    fs.writeFileSync(file, content);
    fs.writeFileSync(other, content);
    const a = MappedFile.open(file);
    const b = MappedFile.open(other);
    try {
      let sum = 0;
      for (let i = 0; i < content.length; i += 4096) sum += a.buffer[i]! + b.buffer[i]!;
      expect(sum).toBeGreaterThan(0);
      expect(residentKbOf(file)).toBeGreaterThanOrEqual(4096);
      expect(dropMappedFilePages((p) => p === file)).toBeGreaterThanOrEqual(content.length);
      expect(residentKbOf(file)).toBe(0);
      expect(residentKbOf(other)).toBeGreaterThanOrEqual(4096);
      // Mapped again on access, with the same bytes.
      expect(Buffer.compare(Buffer.from(a.buffer), content)).toBe(0);
    } finally {
      a.close();
      b.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
