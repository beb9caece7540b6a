import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine, type EngineOptions } from './engine';
import { OutOfOrderError } from '../errors';
import { openBinaryDb, openEnv } from '../wal/lmdb-env';
import { Model, removeDir, rng, tempDir } from '../testing/model';

const BASE = 1_700_000_000_000;

function expectSame(engine: Engine, model: Model, id: bigint, start: number, end: number): void {
  const got = engine.query(id, start, end);
  const want = model.query(id, start, end);
  expect(Array.from(got.timestamps)).toEqual(want.timestamps);
  expect(Array.from(got.values)).toEqual(want.values);
}

describe('Engine', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('engine');
  });
  afterEach(() => removeDir(dir));

  const opts = (): EngineOptions => ({
    dir,
    partitions: 3,
    outOfOrderWindowMs: 60_000,
    maxChunkAgeMs: 120_000,
    oooCapacity: 8,
    coldWindowMs: 600_000,
    coldBlockPoints: 16,
  });

  it('matches an in-memory model through buffer → hot → warm → cold and across reopen', async () => {
    const rand = rng(42);
    const model = new Model();
    const ids = Array.from(
      { length: 40 },
      (_, i) => (BigInt(i) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn,
    );
    const newest = new Map<bigint, number>(ids.map((id) => [id, BASE]));
    let engine = await Engine.open(opts());
    const steps: string[] = [];
    try {
      for (let round = 0; round < 30; round++) {
        const n = 200 + Math.floor(rand() * 400);
        for (let i = 0; i < n; i++) {
          const id = ids[Math.floor(rand() * ids.length)]!;
          const last = newest.get(id)!;
          const r = rand();
          let t: number;
          if (r < 0.75)
            t = last + 1000 + Math.floor(rand() * 3) * 1000; // in order
          else if (r < 0.9)
            t = last - Math.floor(rand() * 59) * 1000; // out of order within window (or duplicate)
          else t = last; // same timestamp again: latest write wins
          const v = Math.round(rand() * 10000) / 100;
          while (!engine.insert(id, t, v)) engine.drain();
          model.put(id, t, v);
          if (t > last) newest.set(id, t);
        }
        const op = rand();
        if (op < 0.15) {
          steps.push('flush');
          await engine.flush();
        } else if (op < 0.3) {
          steps.push('seal');
          engine.sealByAge(Math.max(...newest.values()));
        } else if (op < 0.5) {
          steps.push('warm');
          engine.sealByAge(Math.max(...newest.values()) - 30_000);
          await engine.compactToWarm();
        } else if (op < 0.65) {
          steps.push('cold');
          await engine.compactToWarm();
          await engine.compactToCold();
        } else if (op < 0.8) {
          steps.push('reopen');
          await engine.close();
          engine = await Engine.open(opts());
        } else if (op < 0.85) {
          steps.push('checkpoint');
          await engine.checkpoint();
        }
        for (let q = 0; q < 10; q++) {
          const id = ids[Math.floor(rand() * ids.length)]!;
          const a = BASE + Math.floor(rand() * 1_000_000);
          const b = a + Math.floor(rand() * 1_500_000);
          expectSame(engine, model, id, a, b);
        }
      }
      for (const id of ids) expectSame(engine, model, id, -Infinity, Infinity);
      // Every tier was used at least once.
      expect(steps).toEqual(expect.arrayContaining(['warm', 'cold', 'reopen']));
      await engine.compact({ nowMs: Infinity, cold: true });
      for (const id of ids) expectSame(engine, model, id, -Infinity, Infinity);
      await engine.close();
      engine = await Engine.open(opts());
      for (const id of ids) expectSame(engine, model, id, -Infinity, Infinity);
      expect(engine.warnings.total).toBe(0);
      // All data left the head and the WAL: files only.
      const coldFiles = fs.readdirSync(path.join(dir, 'cold', 'p0'));
      expect(coldFiles.length).toBeGreaterThan(0);
      expect(fs.readdirSync(path.join(dir, 'warm', 'p0'))).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it('refuses samples beyond the out-of-order window and resolves duplicates to the latest write', async () => {
    const engine = await Engine.open({ ...opts(), partitions: 1 });
    try {
      const id = 7n;
      expect(engine.insert(id, BASE + 100_000, 1)).toBe(true);
      expect(engine.insert(id, BASE + 50_000, 2)).toBe(true); // 50 s old: within 60 s
      let err: unknown;
      try {
        engine.insert(id, BASE + 30_000, 3);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OutOfOrderError);
      expect((err as OutOfOrderError).code).toBe('ZTSDB_OUT_OF_ORDER');
      engine.insert(id, BASE + 100_000, 4);
      engine.insert(id, BASE + 50_000, 5);
      expect(Array.from(engine.query(id, BASE, BASE + 200_000).values)).toEqual([5, 4]);
      engine.sealByAge(Infinity);
      await engine.compactToWarm();
      engine.insert(id, BASE + 100_000, 6);
      expect(Array.from(engine.query(id, BASE, BASE + 200_000).values)).toEqual([5, 6]);
      engine.sealByAge(Infinity);
      await engine.compactToWarm();
      await engine.compactToCold();
      engine.insert(id, BASE + 50_000, 7);
      const r = engine.query(id, BASE, BASE + 200_000);
      expect(Array.from(r.timestamps)).toEqual([BASE + 50_000, BASE + 100_000]);
      expect(Array.from(r.values)).toEqual([7, 6]);
      expect(engine.query(id, BASE + 60_000, BASE + 100_000).values.length).toBe(1);
      expect(engine.query(999n, 0, Infinity).timestamps.length).toBe(0);
      expect(() => engine.insert(id, 1.5, 1)).toThrow(/integer/);
      expect(() => engine.insert(-1n, 1, 1)).toThrow(/u64/);
    } finally {
      await engine.close();
    }
  });

  it('returns false when a partition buffer is full and accepts again after drain', async () => {
    const engine = await Engine.open({ ...opts(), partitions: 1 });
    try {
      let accepted = 0;
      while (engine.insert(1n, BASE + accepted * 1000, accepted)) accepted++;
      expect(accepted).toBe(65_536);
      expect(engine.drain()).toBe(65_536);
      expect(engine.insert(1n, BASE + accepted * 1000, accepted)).toBe(true);
      await engine.flush();
      expect(engine.query(1n, 0, Infinity).timestamps.length).toBe(65_537);
    } finally {
      await engine.close();
    }
  });

  it('writes its WAL batches as sample batch version 2 and replays them', async () => {
    const e = await Engine.open({ ...opts(), partitions: 1 });
    for (let i = 0; i < 10; i++) e.insert(BigInt(1 + (i % 3)), BASE + i * 1000, i);
    await e.flush();
    const env = openEnv(path.join(dir, 'wal', 'p0'));
    const batch = Buffer.from(
      openBinaryDb(env, 'iwal').get(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0]))!,
    );
    expect(batch[4]).toBe(2); // the version byte after the magic (sample-batch.md)
    await e.partition(0).log.close(); // a crash: no close, so the reopen replays the WAL
    await env.close();
    const again = await Engine.open({ ...opts(), partitions: 1 });
    try {
      expect(again.warnings.total).toBe(0);
      expect(Array.from(again.query(1n, 0, Infinity).values)).toEqual([0, 3, 6, 9]);
      expect(Array.from(again.query(3n, 0, Infinity).values)).toEqual([2, 5, 8]);
    } finally {
      await again.close();
    }
  });

  it('reopens after a damaged WAL entry: reports it, keeps the batches before it, and writes on', async () => {
    const e = await Engine.open({ ...opts(), partitions: 1 });
    for (let i = 0; i < 10; i++) e.insert(1n, BASE + i * 1000, i);
    await e.flush();
    for (let i = 10; i < 20; i++) e.insert(1n, BASE + i * 1000, i);
    await e.flush();
    const log = e.partition(0).log;
    // Damage the second batch in place (what a torn disk page would leave), then crash (no close).
    const env = openEnv(path.join(dir, 'wal', 'p0'));
    const db = openBinaryDb(env, 'iwal');
    const key = Buffer.from([0, 0, 0, 0, 0, 0, 0, 2, 0]);
    const bytes = Buffer.from(db.get(key)!);
    bytes[40] = bytes[40]! ^ 1;
    await db.put(key, bytes);
    await log.close();
    await env.close();
    const again = await Engine.open({ ...opts(), partitions: 1 });
    try {
      expect(again.warnings.list().map((w) => [w.code, w.context.key])).toEqual([
        ['ZTSDB_WAL_CORRUPT', 2],
      ]);
      expect(Array.from(again.query(1n, 0, Infinity).values)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      ]);
      again.insert(1n, BASE + 50_000, 50);
      await again.flush();
    } finally {
      await again.close();
    }
    const third = await Engine.open({ ...opts(), partitions: 1 });
    try {
      expect(third.warnings.total).toBe(0);
      expect(third.query(1n, 0, Infinity).values.length).toBe(11);
    } finally {
      await third.close();
    }
  });

  it('refuses to reopen a data dir with a different partition count', async () => {
    const e = await Engine.open({ dir, partitions: 2 });
    await e.close();
    await expect(Engine.open({ dir, partitions: 3 })).rejects.toThrow(/2 partitions/);
  });
});
