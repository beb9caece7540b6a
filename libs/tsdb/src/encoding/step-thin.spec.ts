import { mergeLatestWins, upperBound, type Points, type VersionedPoints } from './points';
import { instantsKey, instantsOf, thinUnit, type StepInstants } from './step-thin';

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
