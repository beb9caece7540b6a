import * as fs from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';

export type WalDb = Database<Buffer, Buffer>;

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
  return open({ path: file, maxDbs: 8, noSubdir: true, compression: false });
}
