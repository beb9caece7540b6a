import { statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@ztsdb/testing';
import { crc32, crc32c } from '@ztsdb/checksum';
import { IndexCorruptError } from '../errors';
import { Head } from '../head/head';
import { encodeHeadSnapshot } from '../head/head-snapshot';
import { ByteWriter } from '../encoding/byte-io';
import { getCheckpoint, putCheckpoint, putCheckpointParts } from './snapshot-store';
import { openBinaryDb, openEnv } from './lmdb-env';

const OPTS = { partition: 0, maxChunkAgeMs: 3_600_000 };

function headWith(series: number, points: number, seed: number): Head {
  const h = new Head(OPTS);
  for (let s = 0; s < series; s++)
    for (let i = 0; i < points; i++)
      h.append(BigInt(s), 1_700_000_000_000 + i * 1000, Math.sin(seed + s + i));
  return h;
}

describe('checkpoint in pieces', () => {
  const dir = tempDir('ztsdb-cp-parts-');
  afterAll(() => dir.remove());

  it('reads back what was written, leaves no stale pieces, and still reads a one-value checkpoint', async () => {
    const env = openEnv(join(dir.path, 'a'));
    const meta = openBinaryDb(env, 'meta');
    await putCheckpoint(meta, 7, headWith(3, 10, 1));
    expect(getCheckpoint(meta, OPTS)!.walSeq).toBe(7);
    const big = headWith(200, 800, 2);
    await putCheckpointParts(meta, 9, big);
    const got = getCheckpoint(meta, OPTS)!;
    expect(got.walSeq).toBe(9);
    expect(got.head.read(5n, 0, 8.64e15)).toEqual(big.read(5n, 0, 8.64e15));
    expect([...meta.getKeys()].map((k) => Buffer.from(k).toString('latin1'))).not.toContain(
      'checkpoint',
    );
    const pieces = [...meta.getKeys()].length;
    expect(pieces).toBeGreaterThan(4);
    await putCheckpointParts(meta, 11, headWith(2, 5, 3));
    expect([...meta.getKeys()].length).toBe(1);
    expect(getCheckpoint(meta, OPTS)!.head.read(1n, 0, 8.64e15)).toEqual(
      headWith(2, 5, 3).read(1n, 0, 8.64e15),
    );
    await env.close();
  });

  it('refuses a checkpoint with a piece missing or cut short', async () => {
    const env = openEnv(join(dir.path, 'c'));
    const meta = openBinaryDb(env, 'meta');
    await putCheckpointParts(meta, 9, headWith(200, 800, 2));
    const keys = [...meta.getKeys()] as Buffer[];
    expect(keys.length).toBeGreaterThan(3);
    const middle = keys[1]!;
    const piece = Buffer.from(meta.get(middle)!);
    await meta.put(middle, piece.subarray(0, piece.length - 1));
    expect(() => getCheckpoint(meta, OPTS)).toThrow(/piece 1 of .* bytes, expected 65536/);
    await meta.remove(middle);
    expect(() => getCheckpoint(meta, OPTS)).toThrow(IndexCorruptError);
    await env.close();
  });

  it('keeps the file bounded while a multi-megabyte checkpoint is rewritten again and again', async () => {
    const path = join(dir.path, 'b');
    const env = openEnv(path);
    const meta = openBinaryDb(env, 'meta');
    let size = 0;
    for (let i = 0; i < 24; i++) {
      // A snapshot that grows a little each time, as a head does between two snapshots.
      await putCheckpointParts(meta, i, headWith(50, 2000 + i * 20, i));
      await meta.flushed;
      if (i === 5) size = statSync(join(path, 'data.mdb')).size;
    }
    const end = statSync(join(path, 'data.mdb')).size;
    expect(end).toBeLessThan(size * 1.5);
    await env.close();
  });

  it('writes version 3 (open chunks without their own CRC, a CRC-32 seal covers them), still reads versions 2 and 1, refuses damage', async () => {
    const env = openEnv(join(dir.path, 'v'));
    const meta = openBinaryDb(env, 'meta');
    const head = headWith(4, 300, 5);
    const all = (h: Head) => [0n, 1n, 2n, 3n].map((id) => h.read(id, 0, 8.64e15));
    await putCheckpoint(meta, 12, head);
    const v3 = Buffer.from(meta.get(Buffer.from('checkpoint'))!);
    expect(v3[0]).toBe(3);
    expect(v3.readUInt32LE(4)).toBe(crc32(v3, 8));
    // The payload: walSeq, then the snapshot with its chunk trailers zero; with them filled in,
    // version 1's layout, the bytes differ in those trailers only.
    const plain = encodeHeadSnapshot(head, undefined, false).view8();
    const crcs = encodeHeadSnapshot(head).view8();
    expect(Buffer.from(v3.subarray(16)).equals(Buffer.from(plain))).toBe(true);
    const differ = [...plain].filter((b, i) => b !== crcs[i]).length;
    expect(differ).toBeGreaterThan(4 * 2);
    expect(differ).toBeLessThanOrEqual(4 * 4);
    expect(all(getCheckpoint(meta, OPTS)!.head)).toEqual(all(head));

    // Version 2, as releases before version 3 wrote it: the same payload under a CRC-32C.
    const v2 = Buffer.from(v3);
    v2[0] = 2;
    v2.writeUInt32LE(crc32c(v2, 8), 4);
    await meta.put(Buffer.from('checkpoint'), v2);
    expect(all(getCheckpoint(meta, OPTS)!.head)).toEqual(all(head));

    // Version 1, as earlier releases wrote it: chunk CRCs filled in.
    const w = new ByteWriter(16 + crcs.length);
    w.u64(0).u64(12).bytes(crcs);
    const v1 = Buffer.from(w.finish());
    v1[0] = 1;
    v1.writeUInt32LE(crc32c(v1, 8), 4);
    await meta.put(Buffer.from('checkpoint'), v1);
    const back = getCheckpoint(meta, OPTS)!;
    expect(back.walSeq).toBe(12);
    expect(all(back.head)).toEqual(all(head));

    // A flipped bit in an open chunk of each version; a version's checksum under another's
    // number; an unknown version.
    for (const [good, kind] of [
      [v3, 'CRC-32'],
      [v2, 'CRC-32C'],
    ] as const) {
      const bad = Buffer.from(good);
      bad[bad.length - 40] = bad[bad.length - 40]! ^ 1;
      await meta.put(Buffer.from('checkpoint'), bad);
      expect(() => getCheckpoint(meta, OPTS)).toThrow(new RegExp(`${kind} mismatch`));
    }
    const swapped = Buffer.from(v3);
    swapped[0] = 2;
    await meta.put(Buffer.from('checkpoint'), swapped);
    expect(() => getCheckpoint(meta, OPTS)).toThrow(/CRC-32C mismatch/);
    // Version 4 is a pointer to a generation (checkpoint-generations.spec.ts): these bytes fail its CRC-32C.
    const v4 = Buffer.from(v3);
    v4[0] = 4;
    await meta.put(Buffer.from('checkpoint'), v4);
    expect(() => getCheckpoint(meta, OPTS)).toThrow(/CRC-32C mismatch/);
    v4[0] = 5;
    await meta.put(Buffer.from('checkpoint'), v4);
    expect(() => getCheckpoint(meta, OPTS)).toThrow(/bad header/);
    await env.close();
  });
});
