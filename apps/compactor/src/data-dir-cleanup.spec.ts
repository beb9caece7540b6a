import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileCatalog } from '@ztsdb/manifest';
import { manifestEvent as ev, tempDir } from '@ztsdb/testing';
import { coldFileName, warmFileName } from '@ztsdb/tsdb';
import { removeUnrecorded } from './data-dir-cleanup';

describe('removeUnrecorded', () => {
  const dir = tempDir('ztsdb-cleanup-');
  afterAll(() => dir.remove());

  it('removes temporary files, files named above every recorded name and recorded removals; keeps the rest', () => {
    const warm = (seq: number) => `warm/p0/${warmFileName(seq)}`;
    const cold = `cold/p0/${coldFileName(0, 1)}`;
    const catalog = new FileCatalog();
    // seg 1 is on disk but never recorded; seg 2 and 3 were recorded, and
    // 3 was merged into the cold file and removed.
    for (const e of [
      ev('warm-added', warm(2)),
      ev('warm-added', warm(3)),
      ev('cold-added', cold, { replaces: [warm(3)] }),
      ev('warm-removed', warm(3)),
    ])
      catalog.apply(e);
    const files = [warm(1), warm(2), warm(3), warm(9), cold, `warm/p0/.${warmFileName(4)}.1.1.tmp`];
    for (const f of [...files, 'warm/p0/notes.txt', 'cold/p1/README']) {
      fs.mkdirSync(path.join(dir.path, path.dirname(f)), { recursive: true });
      fs.writeFileSync(path.join(dir.path, f), 'x');
    }
    const warnings: string[] = [];
    const removed = removeUnrecorded(dir.path, 2, catalog, (m) => warnings.push(m));
    expect(removed.sort()).toEqual(
      [warm(3), warm(9), `warm/p0/.${warmFileName(4)}.1.1.tmp`].sort(),
    );
    const left = (rel: string) => fs.readdirSync(path.join(dir.path, rel)).sort();
    // seg 1 is below a recorded name: it may be another writer's, so it stays, named in the warning.
    expect(left('warm/p0')).toEqual([warmFileName(1), warmFileName(2), 'notes.txt'].sort());
    expect(left('cold/p0')).toEqual([coldFileName(0, 1)]);
    expect(left('cold/p1')).toEqual(['README']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('left 3 file(s)');
    for (const f of [warm(1), 'warm/p0/notes.txt', 'cold/p1/README'])
      expect(warnings[0]).toContain(f);
  });
});
