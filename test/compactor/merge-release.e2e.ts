import { waitFor } from '@ztsdb/testing';
import { CompactorTestBed } from './compactor-test-bed';

describe('compactor memory after a merge', () => {
  let bed: CompactorTestBed;
  beforeAll(async () => {
    bed = await CompactorTestBed.start();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('hands each finished merge to afterMerge (the service gives its memory back then)', async () => {
    let released = 0;
    const doneLines = () => bed.logs.filter((l) => /merge of \d+ warm files done/.test(l)).length;
    let doneAtRelease = -1;
    const compactor = await bed.startCompactor({
      coldAfterMs: 0,
      intervalMs: 200,
      afterMerge: () => {
        released++;
        // called as the merge ends, before it is logged as done
        doneAtRelease = doneLines();
      },
    });
    // recent points: the bed's default date is past its retention on a host clock of today
    await bed.publishChunks(0, 40, Math.floor(Date.now() / 1000) * 1000 - 600_000);
    await bed.waitAllAcked();
    await waitFor(
      async () => {
        const live = (await bed.catalog()).live();
        return live.length > 0 && live.every((f) => f.tier === 'cold');
      },
      'every warm file merged into cold',
      20_000,
    );
    await bed.stopCompactor(compactor);
    expect(released).toBe(doneLines());
    expect(doneAtRelease).toBe(released - 1);
    expect(released).toBeGreaterThan(0);
    const catalog = await bed.catalog();
    expect(catalog.live().reduce((n, f) => n + f.points, 0)).toBe(400);
  });
});
