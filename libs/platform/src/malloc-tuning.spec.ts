import * as os from 'node:os';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import {
  fullGc,
  memoryLetGo,
  onMemoryRelease,
  releaseMemory,
  releaseMemoryNow,
} from './malloc-tuning';

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
 * Counts the forced full GCs (a `gc()` call, the release's) that started after a given
 * moment. What the garbage figures cannot tell: V8 may collect a burst's garbage on its own at
 * any time (a jest worker that ran other suites has a large heap), and then there is nothing
 * left to see collected. Once anything in the worker observes GCs (an earlier suite may have),
 * Node reports each GC to the observers of a later task, so the GCs a test forced just before a
 * moment may arrive after it: the start times tell them apart.
 */
function forcedGcs(): { since: (t: number) => number; stop: () => void } {
  const starts: number[] = [];
  const o = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const d = (e as unknown as { detail: { kind: number; flags: number } }).detail;
      if (
        d.kind === constants.NODE_PERFORMANCE_GC_MAJOR &&
        d.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED
      )
        starts.push(e.startTime);
    }
  });
  o.observe({ entryTypes: ['gc'] });
  return { since: (t) => starts.filter((s) => s >= t).length, stop: () => o.disconnect() };
}

describe('releaseMemory', () => {
  beforeEach(() => fullGc()!());

  it('gets V8 full GC at run time', () => {
    const gc = fullGc();
    expect(typeof gc).toBe('function');
    expect(fullGc()).toBe(gc);
  });

  // That an idle process without a burst is left alone is release-pacer.spec.ts's to show: in a
  // shared jest worker on a loaded machine, GC threads and other suites' leftovers can make a
  // first check look busy.
  it('collects what a burst left once the process idles', async () => {
    const gcs = forcedGcs();
    const stop = releaseMemory({ mmapThreshold: 0, intervalMs: 200, dataDir: os.tmpdir() });
    try {
      await sleep(500); // the pacer's first checks
      const before = arrayBuffers();
      leaveGarbage();
      const burst = performance.now();
      work(150); // a burst: most of one interval
      await sleep(1400);
      expect(gcs.since(burst)).toBeGreaterThan(0);
      expect(arrayBuffers() - before).toBeLessThan(4 * MiB);
    } finally {
      stop();
      gcs.stop();
    }
  });

  it('only trims after a burst that grew the RSS by less than collectAfterGrowth', async () => {
    const gcs = forcedGcs();
    const stop = releaseMemory({
      mmapThreshold: 0,
      intervalMs: 200,
      dataDir: os.tmpdir(),
      collectAfterGrowth: 1024 * MiB,
    });
    try {
      await sleep(500);
      const burst = performance.now();
      work(150);
      await sleep(1400);
      expect(gcs.since(burst)).toBe(0);
    } finally {
      stop();
      gcs.stop();
    }
  });

  it('collects after memoryLetGo without a burst', async () => {
    const gcs = forcedGcs();
    const stop = releaseMemory({ mmapThreshold: 0, intervalMs: 200, dataDir: os.tmpdir() });
    try {
      await sleep(500);
      const before = arrayBuffers();
      leaveGarbage();
      const letGo = performance.now();
      memoryLetGo();
      await sleep(1200);
      expect(gcs.since(letGo)).toBeGreaterThan(0);
      expect(arrayBuffers() - before).toBeLessThan(4 * MiB);
    } finally {
      stop();
      gcs.stop();
    }
  });

  it('collects at once on releaseMemoryNow, without waiting for an idle check, shedding pools first', async () => {
    const gcs = forcedGcs();
    // An interval no check reaches within the test: only releaseMemoryNow can collect.
    const stop = releaseMemory({ mmapThreshold: 0, intervalMs: 60_000, dataDir: os.tmpdir() });
    let pool: Uint8Array[] = Array.from({ length: 256 }, () => new Uint8Array(64 * 1024).fill(1));
    const shed = onMemoryRelease(() => (pool = []));
    try {
      const before = arrayBuffers() - 16 * MiB;
      leaveGarbage();
      const now = performance.now();
      releaseMemoryNow();
      expect(pool).toHaveLength(0);
      await sleep(300);
      expect(gcs.since(now)).toBeGreaterThan(0);
      expect(arrayBuffers() - before).toBeLessThan(4 * MiB);
    } finally {
      shed();
      stop();
      gcs.stop();
    }
  });

  it('does nothing with interval 0', async () => {
    leaveGarbage();
    const gcs = forcedGcs();
    const from = performance.now();
    const stop = releaseMemory({ mmapThreshold: 0, intervalMs: 0, dataDir: os.tmpdir() });
    try {
      work(80);
      memoryLetGo();
      releaseMemoryNow();
      await sleep(400);
      expect(gcs.since(from)).toBe(0);
    } finally {
      stop();
      gcs.stop();
    }
  });
});
