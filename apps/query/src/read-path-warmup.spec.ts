import { mappingsOf, tempEntries } from '@ztsdb/testing';
import { releaseWarmupObjects, warmReadPaths } from './read-path-warmup';

const warmupDirs = (): string[] => tempEntries('ztsdb-warmup-');

/** This process's mappings of a warm-up file (removed from its folder, still mapped). */
const warmupMappings = (): string[] => mappingsOf('ztsdb-warmup-');

describe('read-path warm-up (ZTSDB_QUERY_WARMUP)', () => {
  it('reads its synthetic cold file by index at the steps, and leaves no file behind', async () => {
    const before = warmupDirs();
    const report = await warmReadPaths(300_000);
    // 24 series × 3 steps × 16 rounds, every one sampled straight from its packed blocks.
    expect(report.reads).toBe(24 * 3 * 16);
    expect(report.sampled).toBe(report.reads);
    expect(report.busyMs).toBeGreaterThan(0);
    expect(warmupDirs()).toEqual(before);
    releaseWarmupObjects();
  });

  it('keeps its reader mapped until released, so the hidden classes V8 compiled for stay alive', async () => {
    releaseWarmupObjects();
    expect(warmupMappings()).toEqual([]);
    await warmReadPaths(300_000);
    expect(warmupMappings()).toHaveLength(1);
    // A second warm-up replaces the kept reader rather than adding one.
    await warmReadPaths(300_000);
    expect(warmupMappings()).toHaveLength(1);
    releaseWarmupObjects();
    expect(warmupMappings()).toEqual([]);
  });

  it('stops when told to', async () => {
    const report = await warmReadPaths(300_000, () => true);
    expect(report.reads).toBe(0);
    releaseWarmupObjects();
  });
});
