import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '@ztsdb/fileutil';
import { ColdReader } from './cold-reader';
import { coldFileName } from './cold-format';
import { writeColdFile } from './cold-writer';
import type { Partition } from './partition';
import { putCatalog } from './partition-meta';
import type { SealedChunk } from './sealed-chunk';
import { warmFileName } from './warm-format';
import { WarmReader } from './warm-reader';
import { writeWarmSegment } from './warm-writer';
import { mergeWindow, splitWarmByWindow } from './tier-merge';

/**
 * Moves the partition's sealed chunks from the LMDB chunk index into a new
 * warm segment. Order: checkpoint (so a replay never re-seals what moves),
 * write the file (temp, fsync, rename), then in one LMDB transaction record
 * it in the catalog and delete the chunks. Returns the file name, or null
 * when there was nothing sealed.
 */
export function compactToWarm(p: Partition): Promise<string | null> {
  return p.runExclusive(async () => {
    await p.checkpoint();
    const entries = p.chunks.all(p.opts.onSkip);
    if (entries.length === 0) return null;
    const chunks = entries.map((e) => e.chunk).filter((c): c is SealedChunk => c !== null);
    const name = warmFileName(p.catalog.nextFileSeq);
    const catalog = { ...p.catalog, nextFileSeq: p.catalog.nextFileSeq + 1 };
    if (chunks.length > 0) {
      await writeWarmSegment(path.join(p.warmDir, name), p.index, chunks);
      catalog.warm = [...catalog.warm, name];
    }
    const done = putCatalog(p.meta, catalog);
    for (const e of entries) void p.chunks.db.remove(e.key);
    await done;
    await p.settle();
    p.catalog = catalog;
    if (chunks.length === 0) return null;
    p.warm.set(name, WarmReader.open(path.join(p.warmDir, name)));
    return name;
  });
}

/**
 * Merges every warm segment of the partition (and the cold files of the
 * windows they touch) into one new cold file per time window. The new files
 * are fsynced and recorded in the catalog before the old ones are deleted.
 * Returns the names of the cold files written.
 */
export function compactToCold(p: Partition): Promise<string[]> {
  return p.runExclusive(async () => {
    const onSkip = p.opts.onSkip;
    const windowMs = p.opts.coldWindowMs;
    const warmNames = [...p.catalog.warm];
    if (warmNames.length === 0) return [];
    const readers = warmNames
      .map((n) => p.warm.get(n))
      .filter((r): r is WarmReader => r !== undefined); // unreadable ones were reported at open
    const byWindow = splitWarmByWindow(readers, windowMs, onSkip);
    const replaced: string[] = [];
    const written: string[] = [];
    let nextSeq = p.catalog.nextFileSeq;
    for (const [w, seriesMap] of [...byWindow.entries()].sort((a, b) => a[0] - b[0])) {
      const existing: ColdReader[] = [];
      for (const [name, r] of p.cold) {
        if (r.windowStart !== w) continue;
        existing.push(r);
        replaced.push(name);
      }
      const series = mergeWindow(seriesMap, existing, onSkip);
      const name = coldFileName(w, nextSeq++);
      await writeColdFile(
        path.join(p.coldDir, name),
        {
          partition: p.index,
          windowStart: w,
          windowEnd: w + windowMs,
          blockPoints: p.opts.coldBlockPoints,
        },
        series,
      );
      written.push(name);
    }
    const catalog = {
      nextFileSeq: nextSeq,
      warm: p.catalog.warm.filter((n) => !warmNames.includes(n)),
      cold: [...p.catalog.cold.filter((n) => !replaced.includes(n)), ...written],
    };
    await putCatalog(p.meta, catalog);
    await p.settle();
    p.catalog = catalog;
    for (const name of written) p.cold.set(name, ColdReader.open(path.join(p.coldDir, name)));
    // Successors are durable and recorded: now the old files may go.
    for (const name of warmNames) {
      p.warm.get(name)?.close();
      p.warm.delete(name);
      fs.rmSync(path.join(p.warmDir, name), { force: true });
    }
    for (const name of replaced) {
      p.cold.get(name)?.close();
      p.cold.delete(name);
      fs.rmSync(path.join(p.coldDir, name), { force: true });
    }
    await fsyncDir(p.warmDir);
    await fsyncDir(p.coldDir);
    return written;
  });
}
