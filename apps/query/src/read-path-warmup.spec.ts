import * as fs from 'node:fs';
import * as os from 'node:os';
import { warmReadPaths } from './read-path-warmup';

const warmupDirs = (): string[] =>
  fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('ztsdb-warmup-'));

describe('read-path warm-up (ZTSDB_QUERY_WARMUP)', () => {
  it('reads its synthetic cold file by index at the steps, and leaves no file behind', async () => {
    const before = warmupDirs();
    const report = await warmReadPaths(300_000);
    // 24 series × 3 steps × 16 rounds, every one sampled straight from its packed blocks.
    expect(report.reads).toBe(24 * 3 * 16);
    expect(report.sampled).toBe(report.reads);
    expect(report.busyMs).toBeGreaterThan(0);
    expect(warmupDirs()).toEqual(before);
  });

  it('stops when told to', async () => {
    const report = await warmReadPaths(300_000, () => true);
    expect(report.reads).toBe(0);
  });
});
