import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32c } from '@ztsdb/checksum';
import { encodeChunk } from '@ztsdb/chunkenc';
import type { ZtsdbError } from '@ztsdb/errors';
import { ColdFileWriter } from './cold-file-writer';
import type { ColdSeries } from './cold-format';
import { ColdReader } from './cold-reader';
import { encodeColdFile } from './cold-writer';
import type { SealedChunk } from '../head/sealed-chunk';
import { mergeWarmSeries } from './tier-merge';
import { WarmReader } from './warm-reader';
import { encodeWarmSegment } from './warm-writer';
import { removeDir, tempDir } from '../testing/model';

const W = 60_000;
const BASE = 1_700_000_040_000 - (1_700_000_040_000 % W);

function chunk(seriesId: bigint, version: number, ts: number[]): SealedChunk {
  const vs = ts.map((t) => (t % 7_000) / 100 + version);
  return {
    seriesId,
    version,
    minT: ts[0]!,
    maxT: ts.at(-1)!,
    count: ts.length,
    bytes: encodeChunk(ts, vs),
  };
}

const every = (from: number, n: number, step = 1000): number[] =>
  Array.from({ length: n }, (_, i) => from + i * step);

function warm(partition: number, chunks: SealedChunk[]): WarmReader {
  return WarmReader.fromBuffer(new Uint8Array(Buffer.concat(encodeWarmSegment(partition, chunks))));
}

function cold(w: number, series: ColdSeries[]): ColdReader {
  const pieces = encodeColdFile({ partition: 0, windowStart: w, windowEnd: w + W }, series);
  return ColdReader.fromBuffer(new Uint8Array(Buffer.concat(pieces)));
}

function coldSeries(seriesId: bigint, version: number, ts: number[]): ColdSeries {
  return {
    seriesId,
    version,
    timestamps: Float64Array.from(ts),
    values: Float64Array.from(ts, (t) => -t / 1000),
  };
}

/** The merge's answer by brute force: per window and series, each timestamp's value of the highest version. */
function model(
  units: { seriesId: bigint; version: number; ts: ArrayLike<number>; vs: ArrayLike<number> }[],
): Map<number, Map<bigint, Map<number, [number, number]>>> {
  const out = new Map<number, Map<bigint, Map<number, [number, number]>>>();
  for (const u of units) {
    for (let i = 0; i < u.ts.length; i++) {
      const w = Math.floor(u.ts[i]! / W) * W;
      if (!out.has(w)) out.set(w, new Map());
      const byId = out.get(w)!;
      if (!byId.has(u.seriesId)) byId.set(u.seriesId, new Map());
      const pts = byId.get(u.seriesId)!;
      const had = pts.get(u.ts[i]!);
      if (!had || had[1] < u.version) pts.set(u.ts[i]!, [u.vs[i]!, u.version]);
    }
  }
  return out;
}

describe('mergeWarmSeries', () => {
  it('merges series by series, window by window, with the existing cold files, ids ascending', () => {
    const chunks = [
      chunk(3n, 1, every(BASE + 30_000, 50)), // crosses into the next window
      chunk(3n, 4, every(BASE + 10_500, 5)), // between the first chunk's points
      chunk(2n, 2, every(BASE, 10)),
      chunk(2n, 3, every(BASE + 5_000, 10)), // overlaps the one before, newer
    ];
    const a = warm(0, chunks.slice(0, 2));
    const b = warm(0, chunks.slice(2));
    const existing = [
      coldSeries(1n, 1, every(BASE + 1_000, 5)), // only in the cold file, below every warm id
      coldSeries(2n, 1, every(BASE + 2_000, 20)), // older than the warm chunks where they overlap
      coldSeries(9n, 5, every(BASE + 3_000, 3)), // only in the cold file, above every warm id
    ];
    const asked: number[] = [];
    const skipped: ZtsdbError[] = [];
    const out = [
      ...mergeWarmSeries(
        [a, b],
        W,
        (w) => {
          asked.push(w);
          return w === BASE ? [cold(BASE, existing)] : [];
        },
        (e) => skipped.push(e),
      ),
    ];
    expect(skipped).toEqual([]);
    expect(asked).toEqual([BASE, BASE + W]);
    expect(out.map((o) => [o.windowStart - BASE, o.series.seriesId])).toEqual([
      [0, 1n],
      [0, 2n],
      [0, 3n],
      [W, 3n],
      [0, 9n],
    ]);
    const want = model([
      ...existing.map((s) => ({ ...s, ts: s.timestamps, vs: s.values })),
      ...chunks.map((c) => {
        const ts = every(c.minT, c.count, c.count > 1 ? (c.maxT - c.minT) / (c.count - 1) : 1000);
        return {
          seriesId: c.seriesId,
          version: c.version,
          ts,
          vs: ts.map((t) => (t % 7_000) / 100 + c.version),
        };
      }),
    ]);
    for (const { windowStart, series } of out) {
      const pts = [...want.get(windowStart)!.get(series.seriesId)!.entries()].sort(
        (x, y) => x[0] - y[0],
      );
      expect(Array.from(series.timestamps)).toEqual(pts.map((p) => p[0]));
      expect(Array.from(series.values)).toEqual(pts.map((p) => p[1][0]));
      expect(series.version).toBe(Math.max(...pts.map((p) => p[1][1])));
    }
    expect(out.map((o) => o.progress)).toEqual([0, 0, 0.5, 0.5, 1]);
  });

  it('leaves out a damaged chunk, reports it, and merges the rest', () => {
    const buf = new Uint8Array(
      Buffer.concat(
        encodeWarmSegment(0, [chunk(1n, 1, every(BASE, 30)), chunk(2n, 1, every(BASE, 30))]),
      ),
    );
    buf[20] = buf[20]! ^ 0xff; // inside the first chunk's bytes (after the 16-byte header)
    const skipped: ZtsdbError[] = [];
    const out = [
      ...mergeWarmSeries(
        [WarmReader.fromBuffer(buf)],
        W,
        () => [],
        (e) => skipped.push(e),
      ),
    ];
    expect(skipped).toHaveLength(1);
    expect(out.map((o) => o.series.seriesId)).toEqual([2n]);
    expect(out[0]!.series.timestamps).toHaveLength(30);
  });

  it('asks for no existing file and yields nothing when no warm point is intact', () => {
    const asked: number[] = [];
    const out = [
      ...mergeWarmSeries(
        [warm(0, [])],
        W,
        (w) => (asked.push(w), []),
        () => undefined,
      ),
    ];
    expect(out).toEqual([]);
    expect(asked).toEqual([]);
  });
});

describe('ColdFileWriter', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('cold-writer')));
  afterEach(() => removeDir(dir));

  const meta = { partition: 3, windowStart: BASE, windowEnd: BASE + W, blockPoints: 1000 };
  /** Enough noisy points that a 64 KiB buffer is written out several times over. */
  const series = Array.from({ length: 12 }, (_, k) => ({
    seriesId: BigInt(k * 7 + 1),
    version: k,
    timestamps: Float64Array.from(every(BASE, 5000, 3)),
    values: Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i * (k + 1)) * 1e6 + i / 3),
  }));

  it('writes the same bytes as encodeColdFile, the file appearing only when finished', async () => {
    const target = path.join(dir, 'a.cold');
    const w = await ColdFileWriter.open(target, meta, 64 << 10);
    for (const s of series) await w.add(s);
    await w.add({
      ...series[0]!,
      seriesId: 1000n,
      timestamps: new Float64Array(0),
      values: new Float64Array(0),
    });
    expect(fs.existsSync(target)).toBe(false);
    const sum = await w.finish();
    const want = Buffer.concat(encodeColdFile(meta, series));
    const got = fs.readFileSync(target);
    expect(got.length).toBeGreaterThan(4 * (64 << 10));
    expect(got.equals(want)).toBe(true);
    expect(sum).toEqual({
      bytes: want.length,
      crc32c: crc32c(want),
      seriesCount: series.length,
      points: series.length * 5000,
      minT: BASE,
      maxT: BASE + 4999 * 3,
    });
    expect(fs.readdirSync(dir)).toEqual(['a.cold']);
  });

  it('refuses ids out of order, and abort leaves nothing behind', async () => {
    const w = await ColdFileWriter.open(path.join(dir, 'b.cold'), meta, 64 << 10);
    await w.add(series[1]!);
    await expect(w.add(series[0]!)).rejects.toThrow(/ids must ascend/);
    await w.abort();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
