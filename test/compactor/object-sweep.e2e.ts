import { objectNameOf, openTierBucket } from '@ztsdb/tierstore';
import { waitFor } from '@ztsdb/testing';
import { warmFileName } from '@ztsdb/tsdb';
import { CompactorTestBed } from './compactor-test-bed';

describe('compactor sweeping the object store', () => {
  let bed: CompactorTestBed;
  beforeAll(async () => {
    bed = await CompactorTestBed.start();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('deletes objects no manifest event names, and keeps every recorded one and foreign names', async () => {
    const first = await bed.startCompactor({ objectSweepMs: 0 });
    await bed.publishChunks(0, 40);
    await bed.waitAllAcked();
    await bed.stopCompactor(first);
    const recorded = (await bed.catalog())
      .all()
      .map((f) => f.object!)
      .sort();
    expect(recorded.length).toBeGreaterThan(0);

    // What a failed publish leaves behind: an uploaded file no event names.
    const bucket = await openTierBucket(bed.nc, 1);
    const orphans = [
      objectNameOf(`warm/p0/${warmFileName(900)}`, 0xdeadbeef),
      objectNameOf(`warm/p3/${warmFileName(901)}`, 7),
    ];
    for (const name of [...orphans, 'notes/readme.txt'])
      await bucket.putBlob({ name }, new Uint8Array([1, 2, 3]));
    const names = async () =>
      (await bucket.list())
        .filter((i) => !i.deleted)
        .map((i) => i.name)
        .sort();
    expect(await names()).toEqual([...recorded, ...orphans, 'notes/readme.txt'].sort());

    const sweeper = await bed.startCompactor({
      intervalMs: 100,
      objectSweepMs: 100,
      objectSweepAgeMs: 0,
    });
    await waitFor(
      async () => (await names()).length === recorded.length + 1,
      'the unrecorded objects to be deleted',
      15_000,
    );
    expect(await names()).toEqual([...recorded, 'notes/readme.txt'].sort());
    for (const o of orphans)
      expect(bed.logs.some((l) => l.startsWith(`object ${o} (3 bytes`))).toBe(true);
    await bed.stopCompactor(sweeper);
  });
});
