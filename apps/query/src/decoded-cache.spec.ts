import { ZtsdbError } from '@ztsdb/errors';
import type { VersionedPoints } from '@ztsdb/tsdb';
import { clipUnits, DecodedCache } from './decoded-cache';

const unit = (from: number, n: number, version = 1): VersionedPoints => ({
  timestamps: Float64Array.from({ length: n }, (_, i) => from + i * 10),
  values: Float64Array.from({ length: n }, (_, i) => from + i),
  version,
});
const flat = (l: VersionedPoints[]): number[] => l.flatMap((u) => Array.from(u.timestamps));

describe('DecodedCache', () => {
  it('answers a range inside the cached one, clipped, and misses a wider one', () => {
    const c = new DecodedCache(1 << 20);
    c.put('warm/p0/a', 1n, 0, 1000, [unit(0, 50), unit(500, 20, 2)], []);
    const out: VersionedPoints[] = [];
    expect(c.read('warm/p0/a', 1n, 100, 520, out, () => undefined)).toBe(true);
    expect(flat(out)).toEqual([
      ...Array.from({ length: 40 }, (_, i) => 100 + i * 10),
      500,
      510,
      520,
    ]);
    expect(out[1]!.version).toBe(2);
    expect(c.read('warm/p0/a', 1n, -1, 500, [], () => undefined)).toBe(false);
    expect(c.read('warm/p0/a', 2n, 0, 10, [], () => undefined)).toBe(false);
    expect(c.read('warm/p0/b', 1n, 0, 10, [], () => undefined)).toBe(false);
    expect([c.hits, c.misses]).toEqual([1, 3]);
  });

  it('replays what the read skipped', () => {
    const c = new DecodedCache(1 << 20);
    const err = new ZtsdbError('ZTSDB_CORRUPT', 'chunk 3 is damaged', { file: 'warm/p0/a' });
    c.put('warm/p0/a', 1n, -Infinity, Infinity, [unit(0, 5)], [err]);
    const seen: ZtsdbError[] = [];
    expect(c.read('warm/p0/a', 1n, 0, 20, [], (e) => seen.push(e))).toBe(true);
    expect(seen).toEqual([err]);
  });

  it('keeps within its byte budget, evicting the least recently used', () => {
    const c = new DecodedCache(3 * (256 + 64 + 100 * 16));
    for (const id of [1n, 2n, 3n]) c.put('f', id, 0, 1e9, [unit(0, 100)], []);
    expect(c.size).toBe(3);
    expect(c.read('f', 1n, 0, 10, [], () => undefined)).toBe(true); // 1 is now the newest
    c.put('f', 4n, 0, 1e9, [unit(0, 100)], []);
    expect(c.size).toBe(3);
    expect(c.bytes).toBeLessThanOrEqual(c.maxBytes);
    expect(c.read('f', 2n, 0, 10, [], () => undefined)).toBe(false);
    expect(c.read('f', 1n, 0, 10, [], () => undefined)).toBe(true);
    c.put('g', 9n, 0, 1e9, [unit(0, 100_000)], []); // larger than the budget: not kept, nothing evicted
    expect(c.size).toBe(3);
  });

  it('forgets a file', () => {
    const c = new DecodedCache(1 << 20);
    c.put('a', 1n, 0, 1e9, [unit(0, 10)], []);
    c.put('a', 2n, 0, 1e9, [unit(0, 10)], []);
    c.put('b', 1n, 0, 1e9, [unit(0, 10)], []);
    c.dropFile('a');
    expect(c.size).toBe(1);
    expect(c.read('a', 1n, 0, 10, [], () => undefined)).toBe(false);
    expect(c.read('b', 1n, 0, 10, [], () => undefined)).toBe(true);
  });

  it('copies views so a cached entry owns its memory', () => {
    const big = unit(0, 1000);
    const view = {
      timestamps: big.timestamps.subarray(10, 20),
      values: big.values.subarray(10, 20),
      version: 1,
    };
    const c = new DecodedCache(1 << 20);
    c.put('a', 1n, 0, 1e9, [view], []);
    big.timestamps.fill(-1);
    const out: VersionedPoints[] = [];
    c.read('a', 1n, 0, 1e9, out, () => undefined);
    expect(flat(out)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i * 10));
  });

  it('clips units to a range', () => {
    const out: VersionedPoints[] = [];
    clipUnits(
      [
        unit(0, 10),
        unit(1000, 3),
        { timestamps: new Float64Array(0), values: new Float64Array(0), version: 1 },
      ],
      25,
      1000,
      out,
    );
    expect(flat(out)).toEqual([30, 40, 50, 60, 70, 80, 90, 1000]);
  });
});
