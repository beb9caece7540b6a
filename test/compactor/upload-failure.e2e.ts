import { jetstreamManager } from '@nats-io/jetstream';
import { TIERS_STREAM, openTierBucket } from '@ztsdb/tierstore';
import { waitFor } from '@ztsdb/testing';
import { CompactorTestBed } from './compactor-test-bed';

describe('compactor while the object store refuses uploads', () => {
  let bed: CompactorTestBed;
  beforeAll(async () => {
    bed = await CompactorTestBed.start();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('leaves no unrecorded warm file behind and writes everything once uploads work again', async () => {
    const compactor = await bed.startCompactor({ stallLogMs: 60_000 });
    const jsm = await jetstreamManager(bed.nc);
    await jsm.streams.delete(TIERS_STREAM);
    await bed.publishChunks(0, 40);
    await waitFor(
      () => bed.logs.some((l) => l.includes('cannot write warm files')),
      'a failed warm write',
      20_000,
    );
    // Every failed attempt's file is gone again: none waits on disk without an event. The
    // compactor keeps retrying, and a retry in flight has its temporary file on disk for a
    // moment; a file left behind would stay (each attempt's name is new), so wait for none.
    await new Promise((r) => setTimeout(r, 1000));
    await waitFor(() => bed.filesOnDisk().length === 0, 'no warm file left between attempts');

    await openTierBucket(bed.nc, 1);
    await bed.waitAllAcked();
    await bed.stopCompactor(compactor);
    const catalog = await bed.catalog();
    expect(bed.filesOnDisk()).toEqual(
      catalog
        .all()
        .map((f) => f.file)
        .sort(),
    );
    expect(catalog.live().reduce((n, f) => n + f.points, 0)).toBe(400);
  });
});
