import * as fs from 'node:fs';
import * as path from 'node:path';

let tempCounter = 0;
/** Buffers per writev call: within every platform's IOV_MAX. */
const IOV_BATCH = 1024;

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
 * A file written piece by piece, as writeFileAtomic writes one held in memory: under a
 * temporary name in the target's directory until commit() fsyncs it, renames it over the
 * target and fsyncs the directory. For files too large to hold whole (a cold file streamed
 * series by series). On a failed write or commit, and on abort(), the temporary file is removed.
 */
export class AtomicFileWriter {
  private handle: fs.promises.FileHandle | undefined;
  private constructor(
    readonly target: string,
    private readonly tmp: string,
    handle: fs.promises.FileHandle,
  ) {
    this.handle = handle;
  }

  static async open(target: string): Promise<AtomicFileWriter> {
    const tmp = tempNameFor(target);
    return new AtomicFileWriter(target, tmp, await fs.promises.open(tmp, 'wx', 0o644));
  }

  /** Appends `chunks` in order, without copying them together (short writes are continued). */
  async write(chunks: readonly Uint8Array[]): Promise<void> {
    const handle = this.live();
    try {
      let rest = chunks.filter((c) => c.length > 0);
      while (rest.length > 0) {
        const batch = rest.length > IOV_BATCH ? rest.slice(0, IOV_BATCH) : rest;
        let n = (await handle.writev(batch)).bytesWritten;
        let i = 0;
        while (i < rest.length && n >= rest[i]!.length) n -= rest[i++]!.length;
        rest = rest.slice(i);
        if (n > 0) rest[0] = rest[0]!.subarray(n);
      }
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Makes the file durable under its target name. */
  async commit(): Promise<void> {
    const handle = this.live();
    try {
      await handle.sync();
      this.handle = undefined;
      await handle.close();
      await fs.promises.rename(this.tmp, this.target);
    } catch (err) {
      await handle.close().catch(() => undefined);
      await fs.promises.rm(this.tmp, { force: true });
      throw err;
    }
    await fsyncDir(path.dirname(this.target));
  }

  /** Drops the temporary file; the target is untouched. Safe to call more than once. */
  async abort(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await handle.close().catch(() => undefined);
    await fs.promises.rm(this.tmp, { force: true });
  }

  private live(): fs.promises.FileHandle {
    if (!this.handle) throw new Error(`${this.target}: written after commit or abort`);
    return this.handle;
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
  const file = await AtomicFileWriter.open(target);
  await file.write(chunks);
  await file.commit();
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
