import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

function repoRoot(from: string): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

/** The committed seed corpora: test/fuzz/corpus/<target>/<sha1 of the bytes> (also from dist/). */
export const CORPUS_ROOT = path.join(
  repoRoot(__dirname.replace(/[/\\]dist([/\\]|$).*/, '')),
  'test',
  'fuzz',
  'corpus',
);

export function corpusDir(target: string, root = CORPUS_ROOT): string {
  return path.join(root, target);
}

export function readCorpus(target: string, root = CORPUS_ROOT): Uint8Array[] {
  const dir = corpusDir(target, root);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => new Uint8Array(fs.readFileSync(path.join(dir, f))));
}

export function entryName(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** Writes `bytes` into the target's corpus under its hash; returns the path. */
export function addToCorpus(target: string, bytes: Uint8Array, root = CORPUS_ROOT): string {
  const dir = corpusDir(target, root);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, entryName(bytes));
  fs.writeFileSync(file, bytes);
  return file;
}
