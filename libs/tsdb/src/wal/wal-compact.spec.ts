import { statSync } from 'node:fs';
import { join } from 'node:path';
import { openBinaryDb, openEnv } from './lmdb-env';
import { tempDir } from '@ztsdb/testing';
import { compactIfLarger } from './wal-compact';

describe('compactIfLarger', () => {
  const dir = tempDir('ztsdb-wal-compact-');
  afterAll(() => dir.remove());

  it('gives the pages of a log that once held much back to the file system, keeping what it holds', async () => {
    const path = join(dir.path, 'p0');
    let env = openEnv(path);
    let db = openBinaryDb(env, 'iwal');
    for (let i = 0; i < 200; i++) void db.put(Buffer.from([0, 0, 0, i]), Buffer.alloc(100_000, i));
    await db.flushed;
    for (let i = 0; i < 199; i++) void db.remove(Buffer.from([0, 0, 0, i]));
    await db.flushed;
    await env.close();
    const file = join(path, 'data.mdb');
    const before = statSync(file).size;
    expect(before).toBeGreaterThan(19_000_000);

    expect(await compactIfLarger(path, 2 * before)).toBeUndefined();
    const r = await compactIfLarger(path, 1_000_000);
    expect(r!.before).toBe(before);
    expect(r!.after).toBeLessThan(1_000_000);
    expect(statSync(file).size).toBe(r!.after);

    env = openEnv(path);
    db = openBinaryDb(env, 'iwal');
    expect(db.get(Buffer.from([0, 0, 0, 199]))).toEqual(Buffer.alloc(100_000, 199));
    expect(db.getKeysCount()).toBe(1);
    await env.close();
  });
});
