import { encodeChunk } from '@ztsdb/chunkenc';
import { chunksSubject } from '@ztsdb/bus';
import { partitionOf } from '@ztsdb/model';
import { chunkMessageId, encodeChunkMessage } from '@ztsdb/wire';
import type { CatalogFile } from '@ztsdb/manifest';
import type { Compactor } from '../../apps/compactor/src/compactor';
import { CompactorTestBed, PARTITIONS } from './compactor-test-bed';

const POINTS = 1000;
const CHUNKS = 48;
const T0 = 1_760_000_000_000;

/**
 * CHUNKS chunks of POINTS noisy points (about 8 KB each) for series from `first`; returns their
 * message bytes.
 */
async function publishLargeChunks(bed: CompactorTestBed, first: number): Promise<number> {
  const ts = Float64Array.from({ length: POINTS }, (_, i) => T0 + i * 1000);
  let bytes = 0;
  for (let s = first; s < first + CHUNKS; s++) {
    const vs = Float64Array.from({ length: POINTS }, (_, i) => Math.sin(i * 0.37 + s) * 1e6 + s);
    const id = (BigInt(s + 1) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    const m = {
      partition: partitionOf(id, PARTITIONS),
      seriesId: id,
      minT: T0,
      maxT: T0 + (POINTS - 1) * 1000,
      count: POINTS,
      chunk: encodeChunk(ts, vs),
    };
    const msg = encodeChunkMessage(m);
    bytes += msg.length;
    await bed.js.publish(chunksSubject(m.partition), msg, { msgID: chunkMessageId(m) });
  }
  return bytes;
}

describe('warm batches are bounded in bytes (ZTSDB_WARM_BATCH_BYTES)', () => {
  let bed: CompactorTestBed;
  beforeEach(async () => {
    bed = await CompactorTestBed.start();
  });
  afterEach(async () => {
    await bed?.close();
  });

  /**
   * Once the compactor acknowledged every chunk: its warm files, checked to hold every chunk
   * once.
   */
  async function warmFilesOf(c: Compactor): Promise<CatalogFile[]> {
    await bed.waitAllAcked();
    await bed.stopCompactor(c);
    const warm = (await bed.catalog()).all().filter((f) => f.tier === 'warm');
    expect(warm.reduce((n, f) => n + f.points, 0)).toBe(CHUNKS * POINTS);
    expect(warm.reduce((n, f) => n + f.seriesCount, 0)).toBe(CHUNKS);
    return warm;
  }

  const BATCH_BYTES = 64 * 1024;

  /** Each file at most the bound, so at least as many files as the bound goes into the bytes. */
  function expectBounded(warm: CatalogFile[], published: number): void {
    for (const f of warm) expect(f.bytes).toBeLessThanOrEqual(BATCH_BYTES);
    expect(warm.length).toBeGreaterThanOrEqual(Math.ceil(published / BATCH_BYTES));
  }

  it('writes a burst of waiting chunks as several warm files of at most the bound, every chunk once', async () => {
    const published = await publishLargeChunks(bed, 0);
    expect(published).toBeGreaterThan(5 * BATCH_BYTES);
    const c = await bed.startCompactor({ batchBytes: BATCH_BYTES });
    expectBounded(await warmFilesOf(c), published);
  });

  it('bounds a burst that comes while it waits on an empty stream', async () => {
    const c = await bed.startCompactor({ batchBytes: BATCH_BYTES });
    await new Promise((r) => setTimeout(r, 200)); // its first pull waits
    const published = await publishLargeChunks(bed, 0);
    expectBounded(await warmFilesOf(c), published);
  });

  it('never puts more than ZTSDB_WARM_BATCH_CHUNKS chunks in a file, whatever the bytes allow', async () => {
    await publishLargeChunks(bed, 0);
    const c = await bed.startCompactor({ batchBytes: 1024 * 1024, batchChunks: 5 });
    for (const f of await warmFilesOf(c)) expect(f.seriesCount).toBeLessThanOrEqual(5);
  });

  it('without the bound, one fetch takes every waiting chunk (one warm file per partition)', async () => {
    await publishLargeChunks(bed, 0);
    const c = await bed.startCompactor();
    expect((await warmFilesOf(c)).length).toBeLessThanOrEqual(PARTITIONS);
  });
});
