import { execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@ztsdb/testing';
import { releaseReservedSpace, reserveFileSpace } from './reserve-space';

const MiB = 1024 * 1024;
const allocated = (p: string) => statSync(p).blocks * 512;

describe('reserveFileSpace / releaseReservedSpace (real files)', () => {
  const dir = tempDir('ztsdb-reserve-');
  afterAll(() => dir.remove());

  it('allocates blocks past the end without changing the size or the bytes, and gives them back', () => {
    const f = join(dir.path, 'a');
    writeFileSync(f, 'twelve bytes');
    expect(reserveFileSpace(f, 2 * MiB)).toBe('');
    expect(statSync(f).size).toBe(12);
    expect(allocated(f)).toBeGreaterThanOrEqual(2 * MiB);
    expect(readFileSync(f, 'utf8')).toBe('twelve bytes');
    releaseReservedSpace(f);
    expect(statSync(f).size).toBe(12);
    expect(allocated(f)).toBeLessThan(64 * 1024);
    expect(readFileSync(f, 'utf8')).toBe('twelve bytes');
  });

  it('says why when the disk has no room for it, and writes within what it reserved never fail', () => {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs and must run as root');
    const mnt = join(dir.path, 'mnt');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    try {
      const reserved = join(mnt, 'wal');
      const plain = join(mnt, 'other');
      writeFileSync(reserved, '');
      writeFileSync(plain, '');
      expect(reserveFileSpace(reserved, 8 * MiB)).toMatch(/space.*\(errno 28\)/i);
      expect(reserveFileSpace(reserved, 1 * MiB)).toBe('');
      // Another file takes the rest of the disk; only the reserved file can still grow.
      expect(() => writeFileSync(join(mnt, 'filler'), Buffer.alloc(4 * MiB, 1))).toThrow(/ENOSPC/);
      const grow = (p: string) => {
        const fd = openSync(p, 'r+'); // not truncated: truncation gives the reserved blocks back
        try {
          writeSync(fd, Buffer.alloc(MiB - 4096, 2), 0, MiB - 4096, 0);
        } finally {
          closeSync(fd);
        }
      };
      expect(() => grow(plain)).toThrow(/ENOSPC/);
      grow(reserved);
      expect(statSync(reserved).size).toBe(MiB - 4096);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});
