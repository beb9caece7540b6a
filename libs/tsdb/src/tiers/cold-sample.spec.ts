import { mulberry32 as rng } from '@ztsdb/synthetic';
import * as path from 'node:path';
import { ColdReader } from './cold-reader';
import { encodeColdFile, writeColdFile } from './cold-writer';
import { removeDir, tempDir } from '../testing/model';
import type { ColdSeries } from './cold-format';
import type { StepInstants } from '../encoding/step-thin';

const BASE = 1_700_000_000_000;

/** 1: a decimal gauge (packed, steady); 2: floats (XOR); 3: irregular times; 4: a wide gauge. */
function fleet(r: () => number, n: number): ColdSeries[] {
  const steady = Float64Array.from({ length: n }, (_, i) => BASE + i * 1000);
  let t = BASE;
  let walk = 50;
  return [
    {
      seriesId: 1n,
      version: 3,
      timestamps: steady,
      values: Float64Array.from(steady, () => Math.round((10 + r() * 4) * 100) / 100),
    },
    {
      seriesId: 2n,
      version: 1,
      timestamps: steady,
      values: Float64Array.from(steady, (_, i) => Math.sin(i * 0.1) * 1e-3 + r()),
    },
    {
      seriesId: 3n,
      version: 2,
      timestamps: Float64Array.from(steady, () => (t += 500 + Math.floor(r() * 2000))),
      values: Float64Array.from(steady, () => Math.round(r() * 5000) / 10),
    },
    {
      seriesId: 4n,
      version: 1,
      timestamps: steady,
      values: Float64Array.from(steady, () => 4096 * Math.floor(2 ** 30 * (1 + r()))),
    },
    {
      seriesId: 5n,
      version: 1,
      timestamps: steady,
      values: Float64Array.from(
        steady,
        () => (walk = Math.round(Math.min(100, Math.max(0, walk + r() - 0.5)) * 100) / 100),
      ),
    },
  ];
}

/** An instant selector over the whole read of [start, end]: the last point at or before each instant, within the lookback. */
function sampledFromRead(
  r: ColdReader,
  id: bigint,
  start: number,
  end: number,
  inst: StepInstants,
  lookbackMs: number,
): { values: number[]; points: number } {
  const p = r.read(id, start, end);
  const values: number[] = [];
  const used = new Set<number>();
  for (let k = 0; k < inst.count; k++) {
    const t = inst.first + k * inst.step;
    let j = -1;
    if (p) for (let i = 0; i < p.timestamps.length && p.timestamps[i]! <= t; i++) j = i;
    if (j < 0 || p!.timestamps[j]! <= t - lookbackMs) values.push(NaN);
    else {
      values.push(p!.values[j]!);
      used.add(j);
    }
  }
  return { values, points: used.size };
}

describe('cold files: sampling a series at a query’s steps straight from its blocks', () => {
  const r = rng(11);
  const meta = { partition: 0, windowStart: BASE, windowEnd: BASE + 7_200_000, blockPoints: 1000 };
  const series = fleet(r, 3600);
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = tempDir('cold-sample');
    file = path.join(dir, 'f.cold');
    await writeColdFile(file, meta, series);
  });
  afterAll(() => removeDir(dir));

  const native = (first: number, step: number, count: number): StepInstants => ({
    first,
    step,
    count,
    dropped: Number.isNaN,
  });

  it('gives what sampling the whole read gives, for packed steady series, across block edges', () => {
    const cr = ColdReader.open(file);
    try {
      cr.verifyBlocks(0, cr.blockCount);
      const cases: Array<[number, number, number, number, number]> = [
        // start, end, first instant, step, lookback
        [BASE, BASE + 3_599_000, BASE, 60_000, 300_000],
        [BASE + 500, BASE + 3_000_250, BASE + 500, 7_300, 300_000],
        [BASE - 45_000, BASE + 3_599_000, BASE - 45_000, 15_000, 300_000], // instants before the data
        [BASE + 990_000, BASE + 1_010_000, BASE + 990_000, 5_000, 300_000], // across a block edge
        [BASE, BASE + 3_599_000, BASE + 400, 30_000, 500], // lookback shorter than the interval
        [BASE + 1_000_000, BASE + 2_000_000, BASE + 1_000_000, 60_000, 1], // lookback of 1 ms
      ];
      let sampled = 0;
      for (const id of [1n, 4n, 5n]) {
        for (const [start, end, first, step, lookback] of cases) {
          const count = Math.floor((end - first) / step) + 1;
          const inst = native(first, step, count);
          const out = new Float64Array(count + 3).fill(-7);
          const want = sampledFromRead(cr, id, start, end, inst, lookback);
          const used = cr.sampleAtInstants(id, start, end, inst, lookback, out);
          if (used < 0) {
            // Only when there are too few points per instant to read by index.
            expect(count * 4).toBeGreaterThanOrEqual(want.points);
            continue;
          }
          expect(Array.from(out.subarray(0, count))).toEqual(want.values);
          expect(used).toBe(want.points);
          expect(Array.from(out.subarray(count))).toEqual([-7, -7, -7]);
          sampled++;
        }
      }
      expect(sampled).toBeGreaterThanOrEqual(15);
    } finally {
      cr.close();
    }
  });

  it('declines (-1, nothing written) for blocks not readable so: XOR values, irregular times, unchecked blocks, an unmapped file', () => {
    const cr = ColdReader.open(file);
    const inMemory = ColdReader.fromBuffer(
      new Uint8Array(Buffer.concat(encodeColdFile(meta, series))),
    );
    try {
      const inst = native(BASE, 60_000, 60);
      const out = new Float64Array(60).fill(-7);
      // Nothing checked yet: the usual read checks and reports.
      expect(cr.sampleAtInstants(1n, BASE, BASE + 3_599_000, inst, 300_000, out)).toBe(-1);
      cr.verifyBlocks(0, cr.blockCount);
      expect(cr.sampleAtInstants(2n, BASE, BASE + 3_599_000, inst, 300_000, out)).toBe(-1);
      expect(cr.sampleAtInstants(3n, BASE, BASE + 3_599_000, inst, 300_000, out)).toBe(-1);
      expect(inMemory.sampleAtInstants(1n, BASE, BASE + 3_599_000, inst, 300_000, out)).toBe(-1);
      // As many instants as points: left to the decoded cache.
      const dense = native(BASE, 1000, 3600);
      const denseOut = new Float64Array(3600).fill(-7);
      expect(cr.sampleAtInstants(1n, BASE, BASE + 3_599_000, dense, 300_000, denseOut)).toBe(-1);
      expect(denseOut.every((v) => v === -7)).toBe(true);
      expect(out.every((v) => v === -7)).toBe(true);
      expect(cr.sampleAtInstants(1n, BASE, BASE + 3_599_000, inst, 300_000, out)).toBe(60);
    } finally {
      cr.close();
    }
  });

  it('a series the file does not hold, or a range outside it, samples to NaN everywhere', () => {
    const cr = ColdReader.open(file);
    try {
      cr.verifyBlocks(0, cr.blockCount);
      const out = new Float64Array(10).fill(-7);
      expect(
        cr.sampleAtInstants(99n, BASE, BASE + 3_599_000, native(BASE, 60_000, 10), 300_000, out),
      ).toBe(0);
      expect(Array.from(out)).toEqual(new Array(10).fill(NaN));
      out.fill(-7);
      const later = BASE + 8_000_000;
      expect(
        cr.sampleAtInstants(1n, later, later + 600_000, native(later, 60_000, 10), 300_000, out),
      ).toBe(0);
      expect(Array.from(out)).toEqual(new Array(10).fill(NaN));
    } finally {
      cr.close();
    }
  });
});
