import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDirSync } from '@ztsdb/fileutil';
import type { FileCatalog } from '@ztsdb/tsdb';
import { coldDirOf, warmDirOf } from './compactor-options';

/**
 * At start-up, after the manifest replay: removes temporary files of
 * interrupted writes and files no manifest event recorded (written before a
 * crash, never published). Files the catalog knows are kept. Returns what
 * was removed (relative paths).
 */
export function removeUnrecorded(
  dataDir: string,
  partitions: number,
  catalog: FileCatalog,
): string[] {
  const removed: string[] = [];
  for (let p = 0; p < partitions; p++) {
    for (const rel of [warmDirOf(p), coldDirOf(p)]) {
      const dir = path.join(dataDir, rel);
      fs.mkdirSync(dir, { recursive: true });
      let changed = false;
      for (const name of fs.readdirSync(dir)) {
        const file = `${rel}/${name}`;
        if (catalog.has(file)) continue;
        if (!name.endsWith('.tmp') && !name.endsWith('.warm') && !name.endsWith('.cold')) continue;
        fs.rmSync(path.join(dir, name), { force: true });
        removed.push(file);
        changed = true;
      }
      if (changed) fsyncDirSync(dir);
    }
  }
  return removed;
}
