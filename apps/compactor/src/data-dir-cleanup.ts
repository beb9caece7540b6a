import * as fs from 'node:fs';
import * as path from 'node:path';
import { coldDirOf, warmDirOf } from '@ztsdb/config';
import { fsyncDirSync, isAtomicTempName } from '@ztsdb/fileutil';
import { parseTierPath, type FileCatalog } from '@ztsdb/manifest';

/**
 * At start-up, after the manifest replay: removes every file of the tier
 * folders that the catalog does not hold and that is named as the compactor
 * names its files (or its temporary files): files written before a crash or a
 * failed publish but never recorded, temporary files of interrupted writes,
 * and files whose removal was recorded but not done. The folders are this
 * compactor's own (no two services share a data dir, DESIGN.md), and a chunk is
 * acknowledged only after the event naming its file is published, so an
 * unrecorded file holds nothing the chunks stream will not deliver again. That
 * includes a file named below a recorded one: a warm write whose publish timed
 * out leaves one behind once the next name is taken. Anything else is left in
 * place with a warning. Returns what was removed (relative paths).
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
        if (!isAtomicTempName(name) && parseTierPath(file) === undefined) {
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
      `left ${kept.length} file(s) in the tier folders that are not named as tier files: ${kept.slice(0, 5).join(', ')}`,
    );
  return removed;
}
