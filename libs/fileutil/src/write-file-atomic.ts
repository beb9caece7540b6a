import * as fs from 'node:fs';
import * as path from 'node:path';

let tempCounter = 0;

function tempNameFor(target: string): string {
  tempCounter = (tempCounter + 1) >>> 0;
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${tempCounter}.tmp`,
  );
}

/** True for names that writeFileAtomic uses for its temporary files (safe to delete at start-up). */
export function isAtomicTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/** fsync a directory so that a rename or unlink inside it is durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Synchronous {@link fsyncDir}. */
export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `chunks` to `target` so that readers see either the old file or the
 * complete new one: write to a temporary name in the same directory, fsync the
 * file, rename it over `target`, fsync the directory. On failure the temporary
 * file is removed and `target` is untouched.
 */
export async function writeFileAtomic(
  target: string,
  chunks: readonly Uint8Array[],
): Promise<void> {
  const tmp = tempNameFor(target);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(tmp, 'wx', 0o644);
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, off, chunk.length - off);
        off += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.promises.rename(tmp, target);
  } catch (err) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(path.dirname(target));
}

/** Synchronous {@link writeFileAtomic}. */
export function writeFileAtomicSync(target: string, chunks: readonly Uint8Array[]): void {
  const tmp = tempNameFor(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDirSync(path.dirname(target));
}
