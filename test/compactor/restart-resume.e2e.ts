import { STREAM_MANIFEST } from '@ztsdb/bus';
import { CompactorTestBed } from './compactor-test-bed';

describe('compactor restarts resume after the last chunk already in a warm file', () => {
  let bed: CompactorTestBed;
  beforeAll(async () => {
    bed = await CompactorTestBed.start();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('writes nothing again after restarts with no new chunks, and exactly the new chunks after', async () => {
    await bed.publishChunks(0, 300);
    let c = await bed.startCompactor();
    await bed.waitAllAcked();
    await bed.stopCompactor(c);
    const files = bed.filesOnDisk();
    const catalog = (await bed.catalog()).all();
    expect(catalog.reduce((n, f) => n + f.points, 0)).toBe(3000);

    for (let i = 0; i < 3; i++) {
      c = await bed.startCompactor();
      await bed.waitAllAcked();
      await new Promise((r) => setTimeout(r, 300)); // a few empty fetches
      await bed.stopCompactor(c);
      expect(bed.filesOnDisk()).toEqual(files);
      expect((await bed.catalog()).all()).toEqual(catalog);
    }

    await bed.publishChunks(1000, 40);
    c = await bed.startCompactor();
    await bed.waitAllAcked();
    await bed.stopCompactor(c);
    const after = (await bed.catalog()).all();
    expect(after.slice(0, catalog.length)).toEqual(catalog);
    expect(after.slice(catalog.length).reduce((n, f) => n + f.points, 0)).toBe(400);
  });
  it('resumes alike from a compacted manifest (catalog snapshots, older events purged)', async () => {
    await bed.publishChunks(2000, 60);
    let c = await bed.startCompactor();
    await bed.waitAllAcked();
    await c.snapshotManifest();
    await bed.publishChunks(3000, 20);
    await bed.waitAllAcked();
    await c.snapshotManifest(); // purges what precedes the first snapshots
    await bed.stopCompactor(c);
    const files = bed.filesOnDisk();
    const catalog = (await bed.catalog()).all();
    const jsm = await bed.js.jetstreamManager();
    const stored = (await jsm.streams.info(STREAM_MANIFEST)).state;
    expect(stored.messages).toBeLessThan(stored.last_seq); // events were purged

    c = await bed.startCompactor();
    await bed.waitAllAcked();
    await new Promise((r) => setTimeout(r, 300)); // a few empty fetches: nothing is written again
    await bed.stopCompactor(c);
    expect(bed.filesOnDisk()).toEqual(files);
    expect((await bed.catalog()).all()).toEqual(catalog);
    expect(catalog.reduce((n, f) => n + f.points, 0)).toBe(3000 + 400 + 600 + 200);
  });
});
