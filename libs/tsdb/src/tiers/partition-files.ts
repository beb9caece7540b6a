import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '@ztsdb/fileutil';
import { ColdReader } from './cold-reader';
import { ZtsdbError } from '@ztsdb/errors';
import { FileUnreadableError, type SkipSink } from '../errors';
import type { Catalog } from '../wal/snapshot-store';
import { WarmReader } from './warm-reader';

/** Removes files in `dir` that the catalog does not list (temp files, files of an interrupted compaction). */
export async function removeUnlisted(dir: string, listed: readonly string[]): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const keep = new Set(listed);
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (keep.has(name)) continue;
    fs.rmSync(path.join(dir, name), { force: true, recursive: true });
    removed.push(name);
  }
  if (removed.length > 0) await fsyncDir(dir);
  return removed;
}

function report(onSkip: SkipSink, file: string, err: unknown): void {
  if (err instanceof ZtsdbError) onSkip(err);
  else onSkip(new FileUnreadableError(file, err));
}

/** Opens the catalog's warm and cold files; a file that cannot be opened is reported and left out. */
export function openCatalogFiles(
  warmDir: string,
  coldDir: string,
  catalog: Catalog,
  onSkip: SkipSink,
): { warm: Map<string, WarmReader>; cold: Map<string, ColdReader> } {
  const warm = new Map<string, WarmReader>();
  const cold = new Map<string, ColdReader>();
  for (const name of catalog.warm) {
    const file = path.join(warmDir, name);
    try {
      warm.set(name, WarmReader.open(file));
    } catch (err) {
      report(onSkip, file, err);
    }
  }
  for (const name of catalog.cold) {
    const file = path.join(coldDir, name);
    try {
      cold.set(name, ColdReader.open(file));
    } catch (err) {
      report(onSkip, file, err);
    }
  }
  return { warm, cold };
}
