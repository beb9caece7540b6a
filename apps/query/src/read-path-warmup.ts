import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isStaleNaN } from '@ztsdb/promql';
import {
  ColdReader,
  encodeColdFile,
  mergeLatestWins,
  type ColdSeries,
  type StepInstants,
} from '@ztsdb/tsdb';
import { dropStaleMarkers } from './drop-stale-markers';
import { sampleAtSteps, StepAccumulator, stepGrid } from './step-aggregate';

/** Synthetic series of the warm-up file, points each, one second apart. */
const SERIES = 24;
const POINTS = 1024;
const INTERVAL_MS = 1000;
/**
 * Where the synthetic series start: a Unix time in milliseconds like any real one. Its size
 * matters: V8 keeps a field that has only held small integers in another representation than
 * one holding such a double, and code compiled for the one is thrown away on the other.
 */
const T0_MS = Date.UTC(2024, 0, 1);
/** The synthetic file's cold window (two hours, the compactor's default). */
const WINDOW_MS = 2 * 3_600_000;
/** Steps the warm-up samples at (a dashboard's usual ones). */
const STEPS_MS = [15_000, 60_000, 120_000];
/**
 * Passes over the file, with a pause between two: V8 compiles a function that ran hot on a
 * background thread, and a call made after that compile is done runs the compiled code.
 */
const ROUNDS = 16;
const PAUSE_MS = 25;

/**
 * One object of each kind the warm-up read with (the synthetic file's reader, still mapped, and
 * the last read's accumulator, scratch and points), kept until the service stops. V8 compiles code
 * for the hidden classes of the objects it saw, and a class's field layout lives only as long as
 * one object has it: at the first full GC after the warm-up's objects died, V8 threw away the
 * code compiled from them (`--trace-deopt`: "weak objects"), and the first real query ran in the
 * interpreter again, after paying for the warm-up. Kept, they cost the file's mapping (tens of KiB).
 */
let kept: { reader: ColdReader; objects: unknown[] } | undefined;

/** Closes the kept synthetic file (the service's shutdown; tests). */
export function releaseWarmupObjects(): void {
  kept?.reader.close();
  kept = undefined;
}

export interface WarmupReport {
  /** Series reads done (each by index at the steps, sampled and aggregated). */
  reads: number;
  /** Of those, the ones sampled straight from the blocks (ColdReader.sampleAtInstants). */
  sampled: number;
  /** Main-thread milliseconds spent, pauses left out. */
  busyMs: number;
}

/**
 * Series of the shapes real gauges and counters take, so the warm-up meets the branches real
 * data does (code compiled without them is thrown away when they come): a percent with two
 * decimals around a mean (packed by offset), the same as a slow random walk (packed by delta),
 * and byte counts of 4 KiB pages in the billions (fields wider than 24 bits). A deterministic
 * generator: the same file every start.
 */
function syntheticSeries(): ColdSeries[] {
  const out: ColdSeries[] = [];
  let seed = 0x9e3779b9;
  const rand = (): number => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return (seed >>> 0) / 2 ** 32;
  };
  for (let s = 0; s < SERIES; s++) {
    const timestamps = new Float64Array(POINTS);
    const values = new Float64Array(POINTS);
    const mean = 5 + 70 * rand();
    let v = mean;
    for (let i = 0; i < POINTS; i++) {
      timestamps[i] = T0_MS + i * INTERVAL_MS;
      if (s % 3 === 0) v = Math.round((mean + (rand() - 0.5) * 20) * 100) / 100;
      else if (s % 3 === 1)
        v = Math.round(Math.min(100, Math.max(0, v + (rand() - 0.5) * 0.2)) * 100) / 100;
      else v = 4096 * Math.floor(2 ** 30 * (1 + rand()));
      values[i] = v;
    }
    out.push({ seriesId: BigInt(s + 1), version: 1, timestamps, values });
  }
  return out;
}

/** The synthetic series as a cold file, opened (mapped) from a temporary file already removed. */
function openSyntheticColdFile(): ColdReader {
  const pieces = encodeColdFile(
    { partition: 0, windowStart: T0_MS, windowEnd: T0_MS + WINDOW_MS },
    syntheticSeries(),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-warmup-'));
  try {
    const file = path.join(dir, 'warmup.cold');
    fs.writeFileSync(file, Buffer.concat(pieces));
    const r = ColdReader.open(file);
    r.verifyBlocks(0, r.blockCount);
    return r;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the cold-file read paths of a step query (ColdReader.sampleAtInstants as the native
 * API's aggregations read, readAtInstantsIfPickable as PromQL's selectors read, the merge and
 * the step sampling and summing) over a small synthetic cold file, a few hundred times in
 * short slices, so that V8 has compiled them before a real query needs them: the first step
 * query over cold files after a start then runs compiled code instead of the interpreter's
 * (docs/benchmarks.md, "first cold `sum`"). Synthetic data only: no stored data is read; the
 * synthetic file's reader and one object of each kind stay (`kept`) until
 * releaseWarmupObjects. `stopped` ends it early (service shutting down). ZTSDB_QUERY_WARMUP=0
 * turns it off.
 */
export async function warmReadPaths(
  lookbackMs: number,
  stopped: () => boolean = () => false,
): Promise<WarmupReport> {
  const report: WarmupReport = { reads: 0, sampled: 0, busyMs: 0 };
  let t = performance.now();
  const r = openSyntheticColdFile();
  report.busyMs += performance.now() - t;
  // The objects of the last pass over the file, kept with the reader (see `kept`).
  let last: unknown[] = [];
  try {
    const ids = r.seriesIds();
    // From before the first point (instants with none yet) to the last.
    const start = T0_MS - 30_000;
    const end = T0_MS + (POINTS - 1) * INTERVAL_MS;
    for (let round = 0; round < ROUNDS && !stopped(); round++) {
      t = performance.now();
      for (const stepMs of STEPS_MS) {
        const grid = stepGrid(start, end, stepMs);
        // The two shapes real queries make: the native API's (with `dropped`) and PromQL's.
        const native: StepInstants = {
          first: start,
          step: stepMs,
          count: grid.length,
          dropped: isStaleNaN,
        };
        const promql: StepInstants = { first: start, step: stepMs, count: grid.length };
        const sum = new StepAccumulator('sum', grid);
        const tmp = new Float64Array(grid.length);
        last = [sum, tmp, native, promql];
        for (const id of ids) {
          if (r.sampleAtInstants(id, start, end, native, lookbackMs, tmp) >= 0) {
            sum.add(tmp);
            report.sampled++;
          }
          const thin = r.readAtInstantsIfPickable(
            id,
            start,
            end,
            report.reads & 1 ? promql : native,
          );
          if (thin) {
            const merged = dropStaleMarkers(mergeLatestWins([thin]));
            sampleAtSteps(merged, grid, lookbackMs, tmp);
            sum.add(tmp);
            if (last.length === 4) last.push(thin, merged);
          }
          report.reads++;
        }
        last.push(sum.result());
      }
      report.busyMs += performance.now() - t;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  } catch (e) {
    r.close();
    throw e;
  }
  releaseWarmupObjects();
  kept = { reader: r, objects: last };
  return report;
}
