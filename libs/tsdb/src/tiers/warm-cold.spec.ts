import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeChunk } from '@ztsdb/chunkenc';
import type { ZtsdbError } from '@ztsdb/errors';
import { CorruptionError } from '@ztsdb/errors';
import { ColdReader } from './cold-reader';
import { encodeColdFile, writeColdFile } from './cold-writer';
import {
  COLD_BLOCK_ENTRY_BYTES,
  COLD_FOOTER_BYTES,
  COLD_SERIES_ENTRY_BYTES,
  type ColdSeries,
} from './cold-format';
import type { SealedChunk } from '../head/sealed-chunk';
import { WarmReader } from './warm-reader';
import { encodeWarmSegment, writeWarmSegment } from './warm-writer';
import { removeDir, tempDir } from '../testing/model';

const BASE = 1_700_000_000_000;

function chunk(seriesId: bigint, version: number, start: number, n: number): SealedChunk {
  const ts = Array.from({ length: n }, (_, i) => start + i * 1000);
  const vs = ts.map((_, i) => Math.round(Math.sin(i + version) * 1000) / 100);
  return {
    seriesId,
    version,
    minT: ts[0]!,
    maxT: ts[n - 1]!,
    count: n,
    bytes: encodeChunk(ts, vs),
  };
}

function concat(pieces: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(pieces));
}

/** Reads everything; returns serialized results and the reports. */
function readAllWarm(buf: Uint8Array, ids: bigint[]): { out: string; skipped: ZtsdbError[] } {
  const skipped: ZtsdbError[] = [];
  const r = WarmReader.fromBuffer(buf, 'w');
  const out = ids.map((id) =>
    JSON.stringify(
      r
        .read(id, -Infinity, Infinity, (e) => skipped.push(e))
        .map((p) => [p.version, Array.from(p.timestamps), Array.from(p.values)]),
    ),
  );
  return { out: out.join('|'), skipped };
}

function readAllCold(buf: Uint8Array, ids: bigint[]): { out: string; skipped: ZtsdbError[] } {
  const skipped: ZtsdbError[] = [];
  const r = ColdReader.fromBuffer(buf, 'c');
  const out = ids.map((id) => {
    const p = r.read(id, -Infinity, Infinity, (e) => skipped.push(e));
    return JSON.stringify(p ? [p.version, Array.from(p.timestamps), Array.from(p.values)] : null);
  });
  return { out: out.join('|'), skipped };
}

describe('warm segments', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('warm')));
  afterEach(() => removeDir(dir));

  it('round-trips through a file read by mmap, with range pruning', async () => {
    const chunks = [
      chunk(5n, 3, BASE, 100),
      chunk(2n, 1, BASE, 50),
      chunk(5n, 9, BASE + 100_000, 20),
    ];
    const file = path.join(dir, 'seg.warm');
    await writeWarmSegment(file, 1, chunks);
    const r = WarmReader.open(file);
    try {
      expect(r.partition).toBe(1);
      expect(r.seriesIds()).toEqual([2n, 5n]);
      expect(r.chunkCount).toBe(3);
      const all = r.read(5n, -Infinity, Infinity);
      expect(all.map((p) => p.version)).toEqual([3, 9]);
      expect(all[0]!.timestamps.length).toBe(100);
      const part = r.read(5n, BASE + 10_000, BASE + 19_000);
      expect(part.length).toBe(1);
      expect(Array.from(part[0]!.timestamps)).toEqual(
        Array.from({ length: 10 }, (_, i) => BASE + 10_000 + i * 1000),
      );
      expect(r.read(5n, BASE + 200_000, BASE + 300_000)).toEqual([]);
      expect(r.read(77n, -Infinity, Infinity)).toEqual([]);
      expect(r.chunks().length).toBe(3);
    } finally {
      r.close();
    }
    expect(fs.readdirSync(dir)).toEqual(['seg.warm']);
  });

  it('detects a flip of every single bit', () => {
    const ids = [2n, 5n];
    const buf = concat(
      encodeWarmSegment(0, [
        chunk(5n, 3, BASE, 6),
        chunk(2n, 1, BASE, 4),
        chunk(5n, 4, BASE + 10_000, 3),
      ]),
    );
    const clean = readAllWarm(buf, ids);
    expect(clean.skipped).toEqual([]);
    for (let bit = 0; bit < buf.length * 8; bit++) {
      const bad = buf.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      let detected: boolean;
      try {
        const res = readAllWarm(bad, ids);
        detected = res.skipped.length > 0;
        for (const e of res.skipped) expect(e.context.offset).toEqual(expect.any(Number));
        if (!detected) throw new Error(`bit ${bit} flipped without detection`);
        expect(res.out).not.toEqual(clean.out); // what was skipped is missing, nothing else changed silently
      } catch (err) {
        if (!(err instanceof CorruptionError)) throw err;
        expect(err.context.file).toBe('w');
        detected = true;
      }
      expect(detected).toBe(true);
    }
  });

  it('serves the intact chunks when one chunk is damaged', () => {
    const buf = concat(encodeWarmSegment(0, [chunk(1n, 1, BASE, 10), chunk(2n, 2, BASE, 10)]));
    buf[16 + 5]! ^= 0x10; // inside the first chunk (series 1)
    const skipped: ZtsdbError[] = [];
    const r = WarmReader.fromBuffer(buf, 'x.warm');
    expect(r.read(1n, -Infinity, Infinity, (e) => skipped.push(e))).toEqual([]);
    expect(skipped[0]!.code).toBe('ZTSDB_WARM_CORRUPT');
    expect(skipped[0]!.context).toMatchObject({ file: 'x.warm', offset: 16 });
    expect(r.read(2n, -Infinity, Infinity)[0]!.timestamps.length).toBe(10);
    // The step-aware read reports the damaged chunk the same way and serves the rest.
    const thinSkipped: ZtsdbError[] = [];
    const inst = { first: BASE + 2500, step: 3000, count: 3 };
    expect(r.readAtInstants(1n, BASE, BASE + 9000, inst, (e) => thinSkipped.push(e))).toEqual([]);
    expect(thinSkipped[0]!.context).toMatchObject({ file: 'x.warm', offset: 16 });
    expect(Array.from(r.readAtInstants(2n, BASE, BASE + 9000, inst)[0]!.timestamps)).toEqual([
      BASE + 2000,
      BASE + 5000,
      BASE + 8000,
    ]);
  });

  it('reads per chunk only the last point at or before each instant', () => {
    const buf = concat(
      encodeWarmSegment(0, [chunk(1n, 1, BASE, 100), chunk(1n, 2, BASE + 100_000, 100)]),
    );
    const r = WarmReader.fromBuffer(buf, 'x.warm');
    const inst = { first: BASE + 30_500, step: 60_000, count: 4 };
    const units = r.readAtInstants(1n, BASE, BASE + 210_500, inst);
    expect(units.map((u) => [u.version, Array.from(u.timestamps)])).toEqual([
      [1, [BASE + 30_000, BASE + 90_000, BASE + 99_000]],
      [2, [BASE + 150_000, BASE + 199_000]],
    ]);
    // Values are the chunk's own at those times.
    const whole = r.read(1n, BASE, BASE + 210_500);
    expect(units[0]!.values[1]).toBe(whole[0]!.values[90]);
    expect(units[1]!.values[0]).toBe(whole[1]!.values[50]);
  });

  it('checks a mapped chunk once, and a damaged one on every read', async () => {
    const file = path.join(dir, 'seg.warm');
    await writeWarmSegment(file, 0, [chunk(1n, 1, BASE, 10), chunk(2n, 2, BASE, 10)]);
    const bytes = fs.readFileSync(file);
    bytes[16 + 5]! ^= 0x10; // inside the first chunk (series 1)
    fs.writeFileSync(file, bytes);
    const r = WarmReader.open(file);
    try {
      const skipped: ZtsdbError[] = [];
      const inst = { first: BASE + 2500, step: 3000, count: 3 };
      for (let i = 0; i < 2; i++) {
        expect(r.read(1n, -Infinity, Infinity, (e) => skipped.push(e))).toEqual([]);
        expect(r.readAtInstants(1n, BASE, BASE + 9000, inst, (e) => skipped.push(e))).toEqual([]);
        expect(r.read(2n, -Infinity, Infinity)[0]!.timestamps.length).toBe(10);
        expect(r.readAtInstants(2n, BASE, BASE + 9000, inst)[0]!.timestamps.length).toBe(3);
      }
      expect(skipped.map((e) => e.context.offset)).toEqual([16, 16, 16, 16]);
      expect(r.verifiedChunks).toBe(1);
    } finally {
      r.close();
    }
    // A buffer is the caller's to change: it is checked on every read.
    const b = WarmReader.fromBuffer(bytes, 'x.warm');
    b.read(2n, -Infinity, Infinity);
    expect(b.verifiedChunks).toBe(0);
  });
});

describe('cold files', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('cold')));
  afterEach(() => removeDir(dir));

  function series(id: bigint, n: number, version = 1): ColdSeries {
    const timestamps = Float64Array.from({ length: n }, (_, i) => BASE + i * 1000);
    const values = Float64Array.from({ length: n }, (_, i) =>
      i % 7 === 0 ? 0 : Math.round(i * 1.37 * 100) / 100,
    );
    return { seriesId: id, version, timestamps, values };
  }

  it('round-trips with per-block min/max/count and prunes blocks by range', async () => {
    const file = path.join(dir, 'w.cold');
    const meta = { partition: 2, windowStart: BASE, windowEnd: BASE + 7_200_000, blockPoints: 100 };
    await writeColdFile(file, meta, [series(9n, 250, 4), series(3n, 40)]);
    const r = ColdReader.open(file);
    try {
      expect(r.seriesIds()).toEqual([3n, 9n]);
      expect(r.windowStart).toBe(BASE);
      const blocks = r.blocks(9n);
      expect(blocks.map((b) => b.count)).toEqual([100, 100, 50]);
      expect(blocks[1]).toMatchObject({ minT: BASE + 100_000, maxT: BASE + 199_000 });
      expect(blocks[0]!.minV).toBe(0);
      const all = r.read(9n, -Infinity, Infinity)!;
      expect(all.version).toBe(4);
      expect(Array.from(all.timestamps)).toEqual(Array.from(series(9n, 250).timestamps));
      expect(Array.from(all.values)).toEqual(Array.from(series(9n, 250).values));
      // A range inside block 1 never touches blocks 0 and 2: damage there goes unnoticed by this read.
      const skipped: ZtsdbError[] = [];
      const part = r.read(9n, BASE + 120_000, BASE + 130_000, (e) => skipped.push(e))!;
      expect(part.timestamps.length).toBe(11);
      expect(skipped).toEqual([]);
      expect(r.read(1n, -Infinity, Infinity)).toBeNull();
    } finally {
      r.close();
    }
    // Pruning, shown with a damaged block 0: a read of block 1's range still succeeds silently.
    const buf = fs.readFileSync(file);
    buf[32 + 1]! ^= 1;
    const r2 = ColdReader.fromBuffer(buf, 'c');
    const skipped: ZtsdbError[] = [];
    expect(r2.read(3n, -Infinity, Infinity, (e) => skipped.push(e))).not.toBeNull(); // series 3 is first: its block 0 is damaged
    expect(skipped.length).toBe(1);
    expect(skipped[0]!.context).toMatchObject({ file: 'c', offset: 32 });
    expect(
      r2.read(9n, BASE + 120_000, BASE + 130_000, (e) => skipped.push(e))!.timestamps.length,
    ).toBe(11);
    expect(skipped.length).toBe(1);
  });

  it('checks a mapped block once, and a damaged one on every read', async () => {
    const file = path.join(dir, 'w.cold');
    const meta = { partition: 0, windowStart: BASE, windowEnd: BASE + 7_200_000, blockPoints: 100 };
    await writeColdFile(file, meta, [series(9n, 250, 4), series(3n, 40)]);
    const bytes = fs.readFileSync(file);
    bytes[32 + 1]! ^= 1; // series 3's only block
    fs.writeFileSync(file, bytes);
    const r = ColdReader.open(file);
    try {
      const skipped: ZtsdbError[] = [];
      for (let i = 0; i < 2; i++) {
        expect(r.read(3n, -Infinity, Infinity, (e) => skipped.push(e))).not.toBeNull();
        expect(r.read(9n, -Infinity, Infinity)!.timestamps.length).toBe(250);
        expect(r.read(9n, BASE + 120_000, BASE + 130_000)!.timestamps.length).toBe(11);
      }
      expect(skipped.map((e) => e.context.offset)).toEqual([32, 32]);
      expect(r.verifiedBlocks).toBe(3);
    } finally {
      r.close();
    }
    const b = ColdReader.fromBuffer(bytes, 'c');
    b.read(9n, -Infinity, Infinity);
    expect(b.verifiedBlocks).toBe(0);
  });

  it('reads only the points step sampling needs, across blocks, skipping a damaged one', () => {
    const buf = concat(
      encodeColdFile(
        { partition: 0, windowStart: BASE, windowEnd: BASE + 7_200_000, blockPoints: 100 },
        [series(9n, 250, 4), series(3n, 40)],
      ),
    );
    const r = ColdReader.fromBuffer(buf, 'c');
    const inst = { first: BASE + 30_500, step: 60_000, count: 4 };
    const start = BASE + 1000;
    const end = BASE + 210_500;
    const thin = r.readAtInstants(9n, start, end, inst)!;
    expect(thin.version).toBe(4);
    expect(Array.from(thin.timestamps)).toEqual([
      BASE + 30_000,
      BASE + 90_000,
      BASE + 150_000,
      BASE + 210_000,
    ]);
    const whole = r.read(9n, -Infinity, Infinity)!;
    expect(Array.from(thin.values)).toEqual([30, 90, 150, 210].map((i) => whole.values[i]));
    expect(r.readAtInstants(9n, BASE + 300_000, BASE + 400_000, inst)).toBeNull();
    expect(r.readAtInstants(1n, start, end, inst)).toBeNull();
    // Block 1 of series 9 (points 100..199) damaged: the others are served, the damage reported.
    // Its offset from the index: series 3's entry and block, series 9's entry and block 0 before it.
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const index = dv.getUint32(buf.length - COLD_FOOTER_BYTES, true);
    const entry = index + 2 * COLD_SERIES_ENTRY_BYTES + 2 * COLD_BLOCK_ENTRY_BYTES;
    const at = dv.getUint32(entry + 32, true);
    const bad = buf.slice();
    bad[at + 2]! ^= 1;
    const skipped: ZtsdbError[] = [];
    const rb = ColdReader.fromBuffer(bad, 'c');
    const partial = rb.readAtInstants(9n, start, end, inst, (e) => skipped.push(e))!;
    expect(Array.from(partial.timestamps)).toEqual([
      BASE + 30_000,
      BASE + 90_000,
      BASE + 99_000,
      BASE + 210_000,
    ]);
    expect(skipped.map((e) => e.context.offset)).toEqual([at]);
  });

  it('detects a flip of every single bit', () => {
    const ids = [3n, 9n];
    const buf = concat(
      encodeColdFile(
        { partition: 0, windowStart: BASE, windowEnd: BASE + 60_000, blockPoints: 4 },
        [series(9n, 6, 2), series(3n, 3)],
      ),
    );
    const clean = readAllCold(buf, ids);
    expect(clean.skipped).toEqual([]);
    for (let bit = 0; bit < buf.length * 8; bit++) {
      const bad = buf.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      let detected: boolean;
      try {
        const res = readAllCold(bad, ids);
        detected = res.skipped.length > 0;
        if (!detected) throw new Error(`bit ${bit} flipped without detection`);
        expect(res.out).not.toEqual(clean.out);
      } catch (err) {
        if (!(err instanceof CorruptionError)) throw err;
        expect(err.context.file).toBe('c');
        detected = true;
      }
      expect(detected).toBe(true);
    }
  });
});
