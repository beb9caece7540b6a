import { MAX_CHUNK_POINTS } from '@ztsdb/chunkenc';
import { ByteReader } from '../encoding/byte-io';
import { Head } from './head';
import { decodeHeadSnapshot, encodeHeadSnapshot } from './head-snapshot';
import { MemSeries } from './mem-series';

describe('MemSeries.lastT', () => {
  it('lives in the head column by slot, kept across its growth, and in the series outside a head', () => {
    const head = new Head();
    const all = [];
    for (let i = 0; i < 3000; i++) {
      const s = head.getOrCreate(BigInt(i + 1));
      expect(s.lastT).toBe(-Infinity);
      head.appendTo(s, 1000 + i, i);
      all.push(s);
    }
    // The column grew from 1,024 slots twice; every series reads its own value, by object and by slot.
    for (let i = 0; i < 3000; i++) {
      expect(all[i]!.lastT).toBe(1000 + i);
      expect(head.cols.lastT[i]).toBe(1000 + i);
    }
    expect(head.appendToOpenAt(5, 2000, 1)).toBe(true);
    expect(all[5]!.lastT).toBe(2000);
    const loose = new MemSeries(1n, -1, -1);
    loose.lastT = 42;
    expect(loose.lastT).toBe(42);
  });
});

describe('Head.appendToOpen (the fast path of appendTo)', () => {
  it('appends only a newer point that fits the open chunk, and otherwise leaves everything as it was', () => {
    const head = new Head({ maxChunkAgeMs: 1000 });
    const s = head.getOrCreate(7n);
    expect(head.appendToOpen(s, 0, 1)).toBe(false); // no open chunk yet
    expect(head.openCount(s)).toBe(0);
    head.appendTo(s, 0, 1);
    expect(head.appendToOpen(s, 100, 2)).toBe(true);
    expect(s.lastT).toBe(100);
    expect(head.appendToOpen(s, 100, 3)).toBe(false); // same timestamp: out-of-order path
    expect(head.appendToOpen(s, 50, 3)).toBe(false); // older
    expect(head.appendToOpen(s, 1000, 4)).toBe(false); // would make the chunk span maxChunkAgeMs
    expect(head.openCount(s)).toBe(2);
    expect(s.lastT).toBe(100);
    expect(head.peekSealed()).toHaveLength(0);
  });

  it('refuses a point once the open chunk is full, so appendTo seals it', () => {
    const head = new Head({ maxChunkAgeMs: Number.MAX_SAFE_INTEGER });
    const s = head.getOrCreate(8n);
    head.appendTo(s, 0, 0);
    for (let t = 1; t < MAX_CHUNK_POINTS; t++) expect(head.appendToOpen(s, t, t)).toBe(true);
    expect(head.openCount(s)).toBe(MAX_CHUNK_POINTS);
    expect(head.appendToOpen(s, MAX_CHUNK_POINTS, 0)).toBe(false);
    head.appendTo(s, MAX_CHUNK_POINTS, 0);
    expect(head.peekSealed()).toHaveLength(1);
    expect(head.peekSealed()[0]!.count).toBe(MAX_CHUNK_POINTS);
  });
});

describe('Head.sealByAge paced (backfill cut by its own timestamps)', () => {
  const AGE = 60_000;
  /** Data from long ago: far behind `now`, as an import of old samples. */
  const OLD = 1_000_000_000_000;
  const NOW = OLD + 365 * 86_400_000;

  function fill(head: Head, id: bigint, from: number, n: number): void {
    const s = head.getOrCreate(id);
    for (let i = 0; i < n; i++) head.appendTo(s, OLD + (from + i) * 10, i % 5);
  }

  it('keeps a backfill chunk open while points come, and seals it after a tick without any', () => {
    const head = new Head({ maxChunkAgeMs: AGE });
    fill(head, 1n, 0, 300);
    expect(head.sealByAge(NOW, true)).toBe(0); // first seen
    fill(head, 1n, 300, 300);
    expect(head.sealByAge(NOW + 5000, true)).toBe(0); // it grew since
    expect(head.sealByAge(NOW + 10_000, true)).toBe(1); // idle for a whole tick
    const [c] = head.takeSealed();
    expect(c!.count).toBe(600);
    // Unpaced, the same data is cut at every tick.
    const wall = new Head({ maxChunkAgeMs: AGE });
    fill(wall, 1n, 0, 300);
    expect(wall.sealByAge(NOW)).toBe(1);
  });

  it('cuts backfill by data time: a span of the maximum age of its own timestamps, or 8,192 points', () => {
    for (const [age, want] of [
      [AGE, [6000]], // 10 ms apart: 60 s of data in 6,000 points
      [200_000, [MAX_CHUNK_POINTS]],
    ] as const) {
      const head = new Head({ maxChunkAgeMs: age });
      for (let tick = 0; tick < 4; tick++) {
        fill(head, 2n, tick * 3000, 3000); // 30 s of data per tick
        head.sealByAge(NOW + tick * 5000, true);
      }
      const sealed = head.takeSealed();
      expect(sealed.map((c) => c.count)).toEqual(want);
      expect(sealed[0]!.maxT - sealed[0]!.minT).toBeLessThan(age);
    }
  });

  it('seals a backfill chunk that keeps growing once it was open for the maximum age of tick clock', () => {
    const head = new Head({ maxChunkAgeMs: AGE });
    fill(head, 3n, 0, 10);
    expect(head.sealByAge(NOW, true)).toBe(0);
    fill(head, 3n, 10, 10);
    expect(head.sealByAge(NOW + AGE - 1, true)).toBe(0);
    fill(head, 3n, 20, 10);
    expect(head.sealByAge(NOW + AGE, true)).toBe(1);
    expect(head.takeSealed()[0]!.count).toBe(30);
  });

  it('seals live data as the unpaced tick does', () => {
    const paced = new Head({ maxChunkAgeMs: AGE });
    const plain = new Head({ maxChunkAgeMs: AGE });
    for (const h of [paced, plain]) {
      const s = h.getOrCreate(4n);
      for (let t = 0; t < AGE; t += 1000) h.appendTo(s, NOW + t, t);
    }
    const at = NOW + AGE + 500; // minT is the age old, maxT is fresh
    expect(paced.sealByAge(at - 1000, true)).toBe(0);
    expect(paced.sealByAge(at, true)).toBe(1);
    expect(plain.sealByAge(at)).toBe(1);
    expect(paced.takeSealed()[0]!.bytes).toEqual(plain.takeSealed()[0]!.bytes);
  });

  it('seals a backfill chunk restored from a snapshot at the first paced tick, and everything at Infinity', () => {
    const head = new Head({ maxChunkAgeMs: AGE });
    fill(head, 5n, 0, 50);
    fill(head, 6n, 0, 50);
    expect(head.sealByAge(NOW, true)).toBe(0);
    const restored = decodeHeadSnapshot(new ByteReader(encodeHeadSnapshot(head).view8()), {
      maxChunkAgeMs: AGE,
    });
    expect(restored.sealByAge(NOW + 1000, true)).toBe(2);
    fill(head, 5n, 50, 5);
    expect(head.sealByAge(Infinity, true)).toBe(2);
  });
});
