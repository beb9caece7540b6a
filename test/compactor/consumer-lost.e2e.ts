import { jetstreamManager } from '@nats-io/jetstream';
import { STREAM_CHUNKS } from '@ztsdb/bus';
import { COMPACTOR_CONSUMER } from '../../apps/compactor/src/warm-sink';
import { CompactorTestBed } from './compactor-test-bed';

describe('compactor whose fetch fails', () => {
  let bed: CompactorTestBed;
  beforeAll(async () => {
    bed = await CompactorTestBed.start();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('re-creates its consumer at the first chunk not in a warm file and goes on, writing each chunk once', async () => {
    const compactor = await bed.startCompactor();
    await bed.publishChunks(0, 40);
    await bed.waitAllAcked();
    // A fetch that fails for good (the consumer deleted under it) or for a moment (heartbeats
    // missed while the event loop was busy, its deliveries lost) takes the same way back.
    const jsm = await jetstreamManager(bed.nc);
    const before = bed.logs.length;
    await jsm.consumers.delete(STREAM_CHUNKS, COMPACTOR_CONSUMER);
    await bed.publishChunks(40, 40);
    await bed.waitAllAcked();
    expect(bed.logs.slice(before).some((l) => /chunk consumer: .*re-creating it/.test(l))).toBe(
      true,
    );
    await bed.stopCompactor(compactor);
    const catalog = await bed.catalog();
    expect(catalog.live().reduce((n, f) => n + f.points, 0)).toBe(800);
  });
});
