import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@ztsdb/testing';

/** A small tmpfs mounted under a fresh temp dir (needs root); `remove` unmounts it and deletes the dir. */
export interface Tmpfs {
  readonly path: string;
  freeBytes(): number;
  /** Writes a file under the mount until the disk is full; returns its size. */
  fill(name: string): number;
  remove(): void;
}

export function mountTmpfs(sizeMiB: number, prefix = 'ztsdb-tmpfs-'): Tmpfs {
  if (process.getuid?.() !== 0)
    throw new Error('this test mounts a tmpfs and must run as root (as .ci/run does)');
  const dir = tempDir(prefix);
  const path = join(dir.path, 'mnt');
  mkdirSync(path);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', path]);
  let mounted = true;
  return {
    path,
    freeBytes: () => {
      const s = statfsSync(path);
      return s.bavail * s.bsize;
    },
    fill: (name) => {
      const fd = openSync(join(path, name), 'w');
      const block = Buffer.alloc(64 * 1024, 1);
      let n = 0;
      try {
        for (;;) n += writeSync(fd, block);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
      } finally {
        closeSync(fd);
      }
      return n;
    },
    remove: () => {
      if (mounted) {
        try {
          execFileSync('umount', [path]);
        } catch {
          // still busy (a child that has not exited yet): detach it now, the kernel frees it later
          execFileSync('umount', ['-l', path]);
        }
        mounted = false;
      }
      dir.remove();
    },
  };
}
