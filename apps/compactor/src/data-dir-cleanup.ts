import * as fs from 'node:fs';
import * as path from 'node:path';
import { coldDirOf, warmDirOf } from '@ztsdb/config-lite';
import { fsyncDirSync, isAtomicTempName } from '@ztsdb/fileutil';
import type { FileCatalog } from '@ztsdb/manifest';

/**
 * At start-up, after the manifest replay: removes temporary files of
 * interrupted writes, files written before a crash but never recorded (named
 * above every name the manifest mentioned) and files whose removal was
 * recorded but not done. Anything else the catalog does not know is left in
 * place with a warning: it is not a file this compactor wrote and dropped.
 * Returns what was removed (relative paths).
 */
export function removeUnrecorded(
  dataDir: string,
  partitions: number,
  catalog: FileCatalog,
  warn: (msg: string) => void = () => undefined,
): string[] {
  const removed: string[] = [];
  const kept: string[] = [];
  for (let p = 0; p < partitions; p++) {
    for (const rel of [warmDirOf(p), coldDirOf(p)]) {
      const dir = path.join(dataDir, rel);
      fs.mkdirSync(dir, { recursive: true });
      let changed = false;
      for (const name of fs.readdirSync(dir)) {
        const file = `${rel}/${name}`;
        if (catalog.has(file)) continue;
        if (!isAtomicTempName(name) && !catalog.isLeftover(file)) {
          kept.push(file);
          continue;
        }
        fs.rmSync(path.join(dir, name), { force: true });
        removed.push(file);
        changed = true;
      }
      if (changed) fsyncDirSync(dir);
    }
  }
  if (kept.length > 0)
    warn(
      `left ${kept.length} file(s) in the tier folders that the manifest does not record and the compactor did not write: ${kept.slice(0, 5).join(', ')}`,
    );
  return removed;
}
