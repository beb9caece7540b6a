import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeChunk } from '@ztsdb/chunkenc';
import { CorruptionError } from '@ztsdb/errors';
import { fsyncDir } from '@ztsdb/fileutil';
import { ColdReader } from './cold-reader';
import { coldFileName, type ColdSeries } from './cold-format';
import { writeColdFile } from './cold-writer';
import { WarmCorruptError } from './errors';
import type { Partition } from './partition';
import { putCatalog } from './partition-meta';
import { lowerBound, mergeLatestWins, type VersionedPoints } from './points';
import type { SealedChunk } from './sealed-chunk';
import { warmFileName } from './warm-format';
import { WarmReader } from './warm-reader';
import { writeWarmSegment } from './warm-writer';

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

function windowOf(t: number, windowMs: number): number {
  return Math.floor(t / windowMs) * windowMs;
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
    // window start → series id → stored units
    const byWindow = new Map<number, Map<bigint, VersionedPoints[]>>();
    const add = (w: number, id: bigint, pts: VersionedPoints): void => {
      let m = byWindow.get(w);
      if (!m) byWindow.set(w, (m = new Map()));
      let list = m.get(id);
      if (!list) m.set(id, (list = []));
      list.push(pts);
    };
    for (const name of warmNames) {
      const r = p.warm.get(name);
      if (!r) continue; // unreadable at open, already reported
      for (const c of r.chunks(onSkip)) {
        let pts;
        try {
          pts = decodeChunk(c.bytes);
        } catch (err) {
          if (!(err instanceof CorruptionError)) throw err;
          onSkip(new WarmCorruptError(`${r.file}: chunk of series ${c.seriesId}: ${err.message}`, { file: r.file, seriesId: c.seriesId }, { cause: err }));
          continue;
        }
        const ts = pts.timestamps;
        let i = 0;
        while (i < ts.length) {
          const w = windowOf(ts[i]!, windowMs);
          const j = lowerBound(ts, w + windowMs, i);
          add(w, c.seriesId, { timestamps: ts.subarray(i, j), values: pts.values.subarray(i, j), version: c.version });
          i = j;
        }
      }
    }
    const replaced: string[] = [];
    const written: string[] = [];
    let nextSeq = p.catalog.nextFileSeq;
    for (const [w, seriesMap] of [...byWindow.entries()].sort((a, b) => a[0] - b[0])) {
      for (const [name, r] of p.cold) {
        if (r.windowStart !== w) continue;
        for (const s of r.allSeries(onSkip)) {
          let list = seriesMap.get(s.seriesId);
          if (!list) seriesMap.set(s.seriesId, (list = []));
          list.push({ timestamps: s.timestamps, values: s.values, version: s.version });
        }
        replaced.push(name);
      }
      const series: ColdSeries[] = [];
      for (const [id, list] of seriesMap) {
        const merged = mergeLatestWins(list);
        let version = 0;
        for (const u of list) if (u.version > version) version = u.version;
        series.push({ seriesId: id, version, timestamps: merged.timestamps, values: merged.values });
      }
      const name = coldFileName(w, nextSeq++);
      await writeColdFile(path.join(p.coldDir, name), { partition: p.index, windowStart: w, windowEnd: w + windowMs, blockPoints: p.opts.coldBlockPoints }, series);
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
