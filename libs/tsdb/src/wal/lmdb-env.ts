import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Database, RootDatabase } from 'lmdb';

export type WalDb = Database<Buffer, Buffer>;

type Lmdb = typeof import('lmdb');
let lmdb: Lmdb | undefined;

/**
 * lmdb-js, loaded when the first environment is opened rather than with this library: only
 * the ingestor keeps a WAL, and loading lmdb-js (its native binding, msgpackr, a 16 MiB key
 * buffer) costs about 9 MiB of RSS in every process that does, the compactor and query
 * service included, which use the library's file readers only.
 */
function lmdbModule(): Lmdb {
  return (lmdb ??= createRequire(__filename)('lmdb') as Lmdb);
}

/** Opens a named LMDB database with binary keys and values. */
export function openBinaryDb(root: RootDatabase, name: string): WalDb {
  return root.openDB<Buffer, Buffer>({ name, keyEncoding: 'binary', encoding: 'binary' });
}

/** Opens (creating the directory) an LMDB environment for ztsdb data. Never noSync. */
export function openEnv(dir: string): RootDatabase {
  fs.mkdirSync(dir, { recursive: true });
  return openEnvFile(`${dir}/data.mdb`);
}

/** Opens an LMDB environment in the file `file` (its lock file beside it). Never noSync. */
export function openEnvFile(file: string): RootDatabase {
  return lmdbModule().open({ path: file, maxDbs: 8, noSubdir: true, compression: false });
}
