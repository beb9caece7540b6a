import type { ZtsdbError } from '@ztsdb/errors';
import { Engine } from './engine';
import { Head } from './head';
import { decodeHeadSnapshot, encodeHeadSnapshot } from './head-snapshot';
import { ByteReader } from './byte-io';
import { seqKey } from './lmdb-keys';
import { Wal } from './wal';
import { decodeWalRecord, encodeSamplesRecord, encodeSealRecord } from './wal-record';
import { removeDir, tempDir } from './testing/model';

describe('WAL', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('wal')));
  afterEach(() => removeDir(dir));

  it('appends batches durably, replays them in order and survives reopening', async () => {
    let wal = Wal.openDir(dir);
    const r1 = encodeSamplesRecord([1n, 2n ** 64n - 1n], [10, 20], [1.5, -2.5], 2);
    const { first, last } = await wal.appendBatch([r1, encodeSealRecord(99)]);
    expect([first, last]).toEqual([1, 2]);
    await wal.close();
    wal = Wal.openDir(dir);
    expect(wal.next).toBe(3);
    const seen: unknown[] = [];
    const res = wal.replay(1, (seq, rec) =>
      seen.push([seq, rec.type === 'samples' ? Array.from(rec.seriesIds) : rec.nowMs]),
    );
    expect(seen).toEqual([
      [1, [1n, 2n ** 64n - 1n]],
      [2, 99],
    ]);
    expect(res).toMatchObject({ records: 2, skipped: [], lastSeq: 2 });
    await wal.close();
  });

  it('reports a damaged record with its key and skips it', async () => {
    const wal = Wal.openDir(dir);
    const recs = [0, 1, 2].map((i) => encodeSamplesRecord([BigInt(i)], [i], [i], 1));
    await wal.appendBatch(recs);
    const bad = Buffer.from(recs[1]!);
    bad[12]! ^= 0x04; // a bit of the series id
    await wal.db.put(seqKey(2), bad);
    await wal.db.put(seqKey(4), Buffer.from([1, 1, 0])); // truncated record
    const skipped: ZtsdbError[] = [];
    const seqs: number[] = [];
    const res = wal.replay(
      1,
      (seq) => seqs.push(seq),
      (e) => skipped.push(e),
    );
    expect(seqs).toEqual([1, 3]);
    expect(res.skipped.map((e) => e.context.key)).toEqual([2, 4]);
    expect(skipped.map((e) => e.code)).toEqual(['ZTSDB_WAL_CORRUPT', 'ZTSDB_WAL_CORRUPT']);
    expect(skipped[0]!.message).toMatch(/record 2/);
    expect(() => decodeWalRecord(bad, 2)).toThrow(/CRC-32C/);
    await wal.close();
  });

  it('truncates records before a sequence', async () => {
    const wal = Wal.openDir(dir);
    await wal.appendBatch(Array.from({ length: 10 }, (_, i) => encodeSealRecord(i)));
    expect(await wal.truncateBefore(7)).toBe(6);
    expect(wal.count()).toBe(4);
    const seqs: number[] = [];
    wal.replay(1, (seq) => seqs.push(seq));
    expect(seqs).toEqual([7, 8, 9, 10]);
    await wal.close();
  });

  it('head snapshots round-trip exactly', () => {
    const head = new Head({ maxChunkAgeMs: 50_000, oooCapacity: 4 });
    for (let i = 0; i < 100; i++) head.append(BigInt(i % 3), 1000 * i, i / 3);
    head.append(1n, 5000, 42); // out of order
    const bytes = encodeHeadSnapshot(head).finish();
    const back = decodeHeadSnapshot(new ByteReader(bytes), {
      maxChunkAgeMs: 50_000,
      oooCapacity: 4,
    });
    expect(back.nextVersion).toBe(head.nextVersion);
    expect(encodeHeadSnapshot(back).finish()).toEqual(bytes);
    for (const id of [0n, 1n, 2n])
      expect(back.read(id, 0, Infinity)).toEqual(head.read(id, 0, Infinity));
  });

  it('engine checkpoints truncate the WAL and reopen rebuilds the same hot chunks', async () => {
    const opts = { dir, partitions: 1, maxChunkAgeMs: 30_000, oooCapacity: 4 };
    let engine = await Engine.open(opts);
    for (let i = 0; i < 500; i++) engine.insert(BigInt(i % 5), 1000 * i, i);
    engine.insert(2n, 400_000, -1); // out of order
    await engine.flush();
    const p = engine.partition(0);
    expect(p.wal.count()).toBeGreaterThan(0);
    const before = encodeHeadSnapshot(p.head).finish();
    await engine.checkpoint();
    expect(p.wal.count()).toBe(0);
    for (let i = 500; i < 600; i++) engine.insert(BigInt(i % 5), 1000 * i, i);
    engine.sealByAge(590_000);
    await engine.flush();
    expect(p.wal.count()).toBe(2); // one samples record, one seal record
    const expected = encodeHeadSnapshot(p.head).finish();
    expect(expected).not.toEqual(before);
    await engine.close();
    engine = await Engine.open(opts);
    expect(encodeHeadSnapshot(engine.partition(0).head).finish()).toEqual(expected);
    expect(engine.partition(0).wal.next).toBe(p.wal.next);
    expect(engine.query(2n, 0, Infinity).timestamps.length).toBe(121); // 120 in order + 1 out of order at 400 s
    await engine.close();
  });
});
