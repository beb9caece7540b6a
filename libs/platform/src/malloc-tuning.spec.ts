import * as os from 'node:os';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { fullGc, memoryLetGo, releaseMemory } from './malloc-tuning';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const arrayBuffers = () => process.memoryUsage().arrayBuffers;

/**
 * 24 MiB of long-lived buffers (promoted to the old generation by a full GC
 * while still referred to, as a burst's chunks and batches are) that nothing
 * refers to once it returns: freed only by V8's next major GC.
 */
function leaveGarbage(): void {
  const kept: Uint8Array[] = [];
  for (let i = 0; i < 384; i++) kept.push(new Uint8Array(64 * 1024).fill(1));
  fullGc()!();
  expect(kept.length).toBe(384);
}

/** Keeps the CPU busy for `ms`. */
function work(ms: number): void {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + 1);
  expect(x).toBeGreaterThan(0);
}

/**
 * Counts the forced full GCs (a `gc()` call, the release's) from now on. What the garbage
 * figures cannot tell: V8 may collect a burst's garbage on its own at any time (a jest worker
 * that ran other suites has a large heap), and then there is nothing left to see collected.
 * Once anything in the worker observes GCs (an earlier suite may have), Node reports each GC
 * to the observers of a later task, so the GCs this test forced just before (beforeEach,
 * leaveGarbage) reach the new observer too: only those that started after it was made count.
 */
function forcedGcs(): { count: () => number; stop: () => void } {
  let n = 0;
  const since = performance.now();
  const o = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const d = (e as unknown as { detail: { kind: number; flags: number } }).detail;
      if (
        e.startTime >= since &&
        d.kind === constants.NODE_PERFORMANCE_GC_MAJOR &&
        d.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED
      )
        n++;
    }
  });
  o.observe({ entryTypes: ['gc'] });
  return { count: () => n, stop: () => o.disconnect() };
}

describe('releaseMemory', () => {
  beforeEach(() => fullGc()!());

  it('gets V8 full GC at run time', () => {
    const gc = fullGc();
    expect(typeof gc).toBe('function');
    expect(fullGc()).toBe(gc);
  });

  it('collects what a burst left once the process idles', async () => {
    const before = arrayBuffers();
    leaveGarbage();
    const gcs = forcedGcs();
    const stop = releaseMemory({ mmapThreshold: 0, intervalMs: 200, dataDir: os.tmpdir() });
    try {
      await sleep(500); // idle checks, but no work seen: nothing collected
      expect(gcs.count()).toBe(0);
      work(150); // a burst: most of one interval
      await sleep(1400);
      expect(gcs.count()).toBeGreaterThan(0);
      expect(arrayBuffers() - before).toBeLessThan(4 * MiB);
    } finally {
      stop();
      gcs.stop();
    }
  });

  it('collects after memoryLetGo without a burst', async () => {
    const before = arrayBuffers();
    leaveGarbage();
    const gcs = forcedGcs();
    const stop = releaseMemory({ mmapThreshold: 0, intervalMs: 200, dataDir: os.tmpdir() });
    try {
      await sleep(500);
      expect(gcs.count()).toBe(0);
      memoryLetGo();
      await sleep(1200);
      expect(gcs.count()).toBeGreaterThan(0);
      expect(arrayBuffers() - before).toBeLessThan(4 * MiB);
    } finally {
      stop();
      gcs.stop();
    }
  });

  it('does nothing with interval 0', async () => {
    leaveGarbage();
    const gcs = forcedGcs();
    const stop = releaseMemory({ mmapThreshold: 0, intervalMs: 0, dataDir: os.tmpdir() });
    try {
      work(80);
      memoryLetGo();
      await sleep(400);
      expect(gcs.count()).toBe(0);
    } finally {
      stop();
      gcs.stop();
    }
  });
});
