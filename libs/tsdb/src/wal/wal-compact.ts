import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { openEnv } from './lmdb-env';

/**
 * LMDB reuses freed pages but never gives them back to the file system: a log
 * that once held many batches keeps its size while holding few. When the
 * file of `dir` is larger than `limitBytes`, its live pages are copied with
 * compaction (mdb_env_copy2, MDB_CP_COMPACT) to a temporary file, which is
 * synced and renamed over the log. Run before the log is opened for writing.
 * Needs free space for the live pages only; when the copy fails (no space)
 * the log stays as it was. Returns the file's size before and after.
 */
export async function compactIfLarger(
  dir: string,
  limitBytes: number,
): Promise<{ before: number; after: number } | undefined> {
  const file = path.join(dir, 'data.mdb');
  let before: number;
  try {
    before = statSync(file).size;
  } catch {
    return undefined;
  }
  if (before <= limitBytes) return undefined;
  const tmp = `${file}.compact`;
  rmSync(tmp, { force: true });
  const env = openEnv(dir);
  try {
    await env.backup(tmp, true);
    syncFile(tmp);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    await env.close();
  }
  renameSync(tmp, file);
  syncFile(dir);
  return { before, after: statSync(file).size };
}

function syncFile(p: string): void {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
