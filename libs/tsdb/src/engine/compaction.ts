import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '@ztsdb/fileutil';
import { ColdReader } from '../tiers/cold-reader';
import { coldFileName } from '../tiers/cold-format';
import { ColdFileWriter } from '../tiers/cold-file-writer';
import { seriesKey } from '@ztsdb/model';
import type { EnginePartition } from './engine-partition';
import { warmFileName } from '../tiers/warm-format';
import { WarmReader } from '../tiers/warm-reader';
import { writeWarmSegment } from '../tiers/warm-writer';
import { mergeWarmSeries } from '../tiers/tier-merge';

/**
 * Moves the partition's held sealed chunks into a new warm segment. Order:
 * write the file (temp, fsync, rename), then in one LMDB transaction record
 * it in the catalog and snapshot the head without those chunks (a crash in
 * between leaves an unlisted file, removed at the next open). Returns the
 * file name, or null when nothing was sealed.
 */
export function compactToWarm(p: EnginePartition): Promise<string | null> {
  return p.runExclusive(async () => {
    p.drain();
    const chunks = p.state.heldList();
    if (chunks.length === 0) return null;
    const name = warmFileName(p.catalog.nextFileSeq);
    const catalog = {
      ...p.catalog,
      nextFileSeq: p.catalog.nextFileSeq + 1,
      warm: [...p.catalog.warm, name],
    };
    await writeWarmSegment(path.join(p.warmDir, name), p.index, chunks);
    // From here queries read the chunks from the file. Should the transaction
    // below fail, the last durable snapshot and WAL still hold them.
    p.warm.set(name, WarmReader.open(path.join(p.warmDir, name)));
    p.catalog = catalog;
    p.state.markWarm(
      chunks.map((c) => ({
        id: seriesKey(c.seriesId),
        minT: c.minT,
        maxT: c.maxT,
        count: c.count,
      })),
    );
    // In the snapshot's switch transaction: the catalog that lists the file and the checkpoint
    // that no longer holds its chunks become durable together.
    await p.log.snapshot(p.state, undefined, catalog);
    await p.settle();
    return name;
  });
}

/**
 * Merges every warm segment of the partition (and the cold files of the
 * windows they touch) into one new cold file per time window. The new files
 * are fsynced and recorded in the catalog before the old ones are deleted.
 * Returns the names of the cold files written.
 */
export function compactToCold(p: EnginePartition): Promise<string[]> {
  return p.runExclusive(async () => {
    const onSkip = p.opts.onSkip;
    const windowMs = p.opts.coldWindowMs;
    const warmNames = [...p.catalog.warm];
    if (warmNames.length === 0) return [];
    const readers = warmNames
      .map((n) => p.warm.get(n))
      .filter((r): r is WarmReader => r !== undefined); // unreadable ones were reported at open
    const existing = new Map<number, string[]>();
    for (const [name, r] of p.cold) {
      const names = existing.get(r.windowStart);
      if (names) names.push(name);
      else existing.set(r.windowStart, [name]);
    }
    const replaced: string[] = [];
    // One cold file per window, opened when a series first has points in it and
    // written series by series; none is in the catalog until all are complete (an
    // unlisted one that a crash leaves is removed at the next open).
    const writers = new Map<number, { name: string; file: ColdFileWriter }>();
    let nextSeq = p.catalog.nextFileSeq;
    try {
      const merged = mergeWarmSeries(
        readers,
        windowMs,
        (w) => {
          const names = existing.get(w) ?? [];
          replaced.push(...names);
          return names.map((n) => p.cold.get(n)!);
        },
        onSkip,
      );
      for (const { windowStart: w, series } of merged) {
        let out = writers.get(w);
        if (!out) {
          const name = coldFileName(w, nextSeq++);
          const file = await ColdFileWriter.open(path.join(p.coldDir, name), {
            partition: p.index,
            windowStart: w,
            windowEnd: w + windowMs,
            blockPoints: p.opts.coldBlockPoints,
          });
          writers.set(w, (out = { name, file }));
        }
        await out.file.add(series);
      }
    } catch (err) {
      for (const { file } of writers.values()) await file.abort();
      throw err;
    }
    const written: string[] = [];
    try {
      for (const w of [...writers.keys()].sort((a, b) => a - b)) {
        const { name, file } = writers.get(w)!;
        await file.finish();
        written.push(name);
      }
    } catch (err) {
      for (const [, { name, file }] of writers) {
        await file.abort();
        fs.rmSync(path.join(p.coldDir, name), { force: true });
      }
      throw err;
    }
    const catalog = {
      nextFileSeq: nextSeq,
      warm: p.catalog.warm.filter((n) => !warmNames.includes(n)),
      cold: [...p.catalog.cold.filter((n) => !replaced.includes(n)), ...written],
    };
    await p.log.putCatalog(catalog);
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
