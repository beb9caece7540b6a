import { mergeLatestWins, upperBound, type Points, type VersionedPoints } from './points';
import {
  denseInstants,
  instantsKey,
  instantsOf,
  thinArrays,
  thinUnit,
  type StepInstants,
} from './step-thin';

/** What an instant vector selector sees: the last point at or before each instant, or none. */
function sample(p: Points, inst: StepInstants, lookback: number): Array<[number, number] | null> {
  const out: Array<[number, number] | null> = [];
  for (let k = 0; k < inst.count; k++) {
    const t = inst.first + k * inst.step;
    const j = upperBound(p.timestamps, t) - 1;
    out.push(j < 0 || p.timestamps[j]! <= t - lookback ? null : [p.timestamps[j]!, p.values[j]!]);
  }
  return out;
}

/** A small deterministic generator (tests must not depend on Math.random's seed). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function unit(r: () => number, version: number): VersionedPoints {
  const n = Math.floor(r() * 40);
  const ts: number[] = [];
  let t = Math.floor(r() * 200);
  for (let i = 0; i < n; i++) ts.push((t += 1 + Math.floor(r() * 15)));
  return {
    timestamps: Float64Array.from(ts),
    values: Float64Array.from(ts, () => Math.floor(r() * 1000)),
    version,
  };
}

describe('step-thin', () => {
  it('sampling the thinned units of several tiers gives what sampling all their points gives', () => {
    const r = rng(7);
    for (let round = 0; round < 500; round++) {
      const units = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, v) => unit(r, v));
      const step = Math.floor(r() * 30);
      const inst: StepInstants = {
        first: Math.floor(r() * 300),
        step,
        count: step === 0 ? 1 : 1 + Math.floor(r() * 20),
      };
      const lookback = 1 + Math.floor(r() * 50);
      const start = inst.first - lookback + 1;
      const end = inst.first + (inst.count - 1) * inst.step;
      const whole = units.map((u) => ({ ...u, ...clip(u, start, end) }));
      const thin = units
        .map((u) => thinUnit(u, start, end, inst))
        .filter((u): u is VersionedPoints => u !== null);
      expect(sample(mergeLatestWins(thin), inst, lookback)).toEqual(
        sample(mergeLatestWins(whole), inst, lookback),
      );
      const kept = thin.reduce((a, u) => a + u.timestamps.length, 0);
      expect(kept).toBeLessThanOrEqual(units.length * inst.count);
    }
  });

  it('with dropped values, sampling what is left after dropping gives the same as from all points', () => {
    const r = rng(11);
    const dropped = (v: number): boolean => Number.isNaN(v);
    const undropped = (p: Points): Points => clip(p, -Infinity, Infinity, (v) => !dropped(v));
    for (let round = 0; round < 500; round++) {
      const units = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, v) => unit(r, v));
      // Markers only at times no other unit holds (see thinIndexes on markers written over samples).
      for (const u of units)
        for (let i = 0; i < u.values.length; i++)
          if (r() < 0.3 && units.every((o) => o === u || !o.timestamps.includes(u.timestamps[i]!)))
            u.values[i] = NaN;
      const step = 1 + Math.floor(r() * 30);
      const inst: StepInstants = {
        first: Math.floor(r() * 300),
        step,
        count: 1 + Math.floor(r() * 20),
        dropped,
      };
      const lookback = 1 + Math.floor(r() * 50);
      const start = inst.first - lookback + 1;
      const end = inst.first + (inst.count - 1) * inst.step;
      const whole = units.map((u) => ({ ...u, ...clip(u, start, end) }));
      const thin = units
        .map((u) => thinUnit(u, start, end, inst))
        .filter((u): u is VersionedPoints => u !== null);
      expect(sample(undropped(mergeLatestWins(thin)), inst, lookback)).toEqual(
        sample(undropped(mergeLatestWins(whole)), inst, lookback),
      );
    }
  });

  it('keeps one point per instant from a dense unit, and leaves out points past the last instant', () => {
    const ts = Float64Array.from({ length: 3600 }, (_, i) => i * 1000);
    const u = { timestamps: ts, values: ts.map((t) => t / 1000), version: 1 };
    const thin = thinUnit(u, 0, 3_599_000, { first: 59_500, step: 60_000, count: 59 })!;
    expect(thin.timestamps.length).toBe(59);
    expect(thin.timestamps[0]).toBe(59_000);
    expect(thin.values[58]).toBe(3539);
    expect(thinUnit(u, 0, 3_599_000, { first: -5, step: 0, count: 1 })).toBeNull();
    expect(
      thinUnit({ ...u, timestamps: new Float64Array(0), values: new Float64Array(0) }, 0, 1, {
        first: 0,
        step: 1,
        count: 1,
      }),
    ).toBeNull();
  });

  it('gives views of the unit when every point in the range is kept, copies otherwise', () => {
    const ts = Float64Array.from({ length: 600 }, (_, i) => 1_000_000 + i * 1000);
    const u = { timestamps: ts, values: ts.map((t) => t / 7), version: 3 };
    const everySecond = { first: 1_000_500, step: 1000, count: 600 };
    // Range [1,100,000, 1,399,999]: points 100 … 399, each the last before an instant.
    const all = thinUnit(u, 1_100_000, 1_399_999, everySecond)!;
    expect(all.timestamps.buffer).toBe(ts.buffer);
    expect(all.timestamps.byteOffset).toBe(100 * 8);
    expect(Array.from(all.timestamps)).toEqual(Array.from(ts.subarray(100, 400)));
    expect(Array.from(all.values)).toEqual(Array.from(u.values.subarray(100, 400)));
    expect(all.version).toBe(3);
    // An instant every two points: arrays of their own, the point before each of the 150
    // instants in the range and the range's last point (before the instant after it).
    const half = thinUnit(u, 1_100_000, 1_399_999, { ...everySecond, step: 2000 })!;
    expect(half.timestamps.buffer).not.toBe(ts.buffer);
    expect(half.timestamps.length).toBe(151);
    // A decoder's scratch is reused after the call: never views of it.
    const scratch = thinArrays(ts, u.values, 600, 1_100_000, 1_399_999, everySecond, 3)!;
    expect(scratch.timestamps.buffer).not.toBe(ts.buffer);
    expect(Array.from(scratch.timestamps)).toEqual(Array.from(all.timestamps));
  });

  it("calls instants dense when they keep about half of a series' points or more", () => {
    // 10 series × 3,601 points over an hour: a point a second.
    const file = { minT: 0, maxT: 3_600_000, points: 36_010, seriesCount: 10 };
    expect(denseInstants({ first: 0, step: 1000, count: 3600 }, file)).toBe(true);
    expect(denseInstants({ first: 0, step: 2000, count: 1800 }, file)).toBe(true);
    expect(denseInstants({ first: 0, step: 2001, count: 1800 }, file)).toBe(false);
    expect(denseInstants({ first: 0, step: 60_000, count: 60 }, file)).toBe(false);
    // An `@` instant (step 0), a series of one point, an empty file: never dense.
    expect(denseInstants({ first: 5, step: 0, count: 1 }, file)).toBe(false);
    expect(denseInstants({ first: 0, step: 1000, count: 9 }, { ...file, points: 10 })).toBe(false);
    expect(
      denseInstants({ first: 0, step: 1000, count: 9 }, { ...file, seriesCount: 0, points: 0 }),
    ).toBe(false);
  });

  it('reads instants from evenly spaced times only', () => {
    expect(instantsOf(Float64Array.of(10, 20, 30))).toEqual({ first: 10, step: 10, count: 3 });
    expect(instantsOf(Float64Array.of(7, 7, 7))).toEqual({ first: 7, step: 0, count: 1 });
    expect(instantsOf(Float64Array.of(5))).toEqual({ first: 5, step: 0, count: 1 });
    expect(instantsOf(Float64Array.of(10, 20, 31))).toBeUndefined();
    expect(instantsOf(Float64Array.of(20, 10))).toBeUndefined();
    expect(instantsOf(new Float64Array(0))).toBeUndefined();
    expect(instantsKey({ first: 1, step: 2, count: 3 })).toBe('1/2/3');
  });
});

function clip(u: Points, start: number, end: number, kept = (_v: number) => true): Points {
  const keep = Array.from(u.timestamps.keys()).filter(
    (i) => u.timestamps[i]! >= start && u.timestamps[i]! <= end && kept(u.values[i]!),
  );
  return {
    timestamps: Float64Array.from(keep, (i) => u.timestamps[i]!),
    values: Float64Array.from(keep, (i) => u.values[i]!),
  };
}
