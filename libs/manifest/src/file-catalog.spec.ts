import { manifestEvent as ev } from '@ztsdb/testing';
import { decodeManifestSnapshot, encodeManifestSnapshot } from '@ztsdb/wire';
import { FileCatalog } from './file-catalog';

describe('FileCatalog', () => {
  it('follows added, superseded, expired and removed files, idempotently', () => {
    const c = new FileCatalog();
    const events = [
      ev('warm-added', 'warm/p0/seg-000000000001.warm'),
      ev('warm-added', 'warm/p0/seg-000000000002.warm'),
      ev('cold-added', 'cold/p0/w000000000000000-g0000000001.cold', {
        replaces: ['warm/p0/seg-000000000001.warm'],
        atMs: 200,
      }),
      ev('cold-added', 'cold/p0/w000000000000000-g0000000002.cold', {
        replaces: ['cold/p0/w000000000000000-g0000000001.cold', 'warm/p0/seg-000000000002.warm'],
      }),
      ev('warm-removed', 'warm/p0/seg-000000000001.warm'),
    ];
    for (const e of [...events, ...events]) c.apply(e);
    expect(c.live().map((f) => f.file)).toEqual(['cold/p0/w000000000000000-g0000000002.cold']);
    expect(
      c
        .retired()
        .map((f) => f.file)
        .sort(),
    ).toEqual(['cold/p0/w000000000000000-g0000000001.cold', 'warm/p0/seg-000000000002.warm']);
    expect(c.get('cold/p0/w000000000000000-g0000000001.cold')?.supersededAtMs).toBe(100);
    expect(c.nextWarmSeq(0)).toBe(3);
    expect(c.nextWarmSeq(1)).toBe(1);
    expect(c.nextColdGen()).toBe(3);
    c.apply(ev('expired', 'cold/p0/w000000000000000-g0000000002.cold', { atMs: 500 }));
    expect(c.live()).toEqual([]);
    expect(c.get('cold/p0/w000000000000000-g0000000002.cold')?.expiredAtMs).toBe(500);
    c.apply(ev('warm-removed', 'cold/p0/w000000000000000-g0000000002.cold'));
    expect(c.has('cold/p0/w000000000000000-g0000000002.cold')).toBe(false);
  });

  it("keeps each file's object through a snapshot on the wire, so a fresh host can fetch it", () => {
    const c = new FileCatalog();
    const file = 'warm/p0/seg-000000000001.warm';
    c.apply(ev('warm-added', file, { object: `${file}@0000002a`, crc32c: 42 }));
    const fresh = new FileCatalog();
    fresh.applySnapshot(decodeManifestSnapshot(encodeManifestSnapshot(c.snapshot(0, 500))), 2);
    expect(fresh.get(file)?.object).toBe(`${file}@0000002a`);
    expect(fresh.live().map((f) => f.file)).toEqual([file]);
  });

  it('remembers which chunk sequences are in warm files, after the files are gone too', () => {
    const c = new FileCatalog();
    expect(c.chunkResumeSeq()).toBeUndefined();
    expect(c.chunksCoveredThrough(0)).toBe(0);
    c.apply(
      ev('warm-added', 'warm/p0/seg-000000000001.warm', {
        chunkSeqs: { min: 1, max: 9, batchMin: 1 },
      }),
    );
    // A batch [10, 20] cut short: partition 1's file recorded, partition 0's not.
    c.apply(
      ev('warm-added', 'warm/p1/seg-000000000001.warm', {
        partition: 1,
        chunkSeqs: { min: 12, max: 20, batchMin: 10 },
      }),
    );
    expect(c.chunkResumeSeq()).toBe(10);
    expect(c.chunksCoveredThrough(0)).toBe(9);
    expect(c.chunksCoveredThrough(1)).toBe(20);
    c.apply(
      ev('cold-added', 'cold/p1/w000000000000000-g0000000001.cold', {
        partition: 1,
        replaces: ['warm/p1/seg-000000000001.warm'],
      }),
    );
    c.apply(ev('warm-removed', 'warm/p1/seg-000000000001.warm', { partition: 1 }));
    expect(c.chunksCoveredThrough(1)).toBe(20);
    expect(c.chunkResumeSeq()).toBe(10);
  });
});
