import { encodeHeadSnapshot } from './head-snapshot';
import { Head } from './head';
import { mergeLatestWins } from './points';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random stream for one series: mostly increasing, with repeats and late points (overwrites). */
function stream(r: () => number, n: number): [number, number][] {
  const out: [number, number][] = [];
  let t = 1_000_000;
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.1)
      out.push([t - Math.floor(r() * 20) * 1000, i]); // late or equal: out of order
    else {
      t += x < 0.2 ? 0 : 1000;
      out.push([t, i]);
    }
  }
  return out;
}

describe('Head staging (appendStaged)', () => {
  it('builds byte-identical state to appendTo for one series (chunks, versions, out-of-order, age and size seals)', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const r = rng(seed);
      const opts = {
        maxChunkAgeMs: seed % 2 ? 50_000 : 10_000_000,
        oooCapacity: 5 + seed,
        outOfOrderWindowMs: 1e12,
      };
      const a = new Head(opts);
      const b = new Head(opts);
      const pts = stream(r, seed === 6 ? 9000 : 700);
      const sa = a.getOrCreate(7n);
      const sb = b.getOrCreate(7n);
      for (const [t, v] of pts) {
        a.appendTo(sa, t, v);
        b.appendStaged(sb, t, v);
        if (r() < 0.01) {
          a.sealByAge(t);
          b.sealByAge(t);
        }
      }
      expect(
        Buffer.from(encodeHeadSnapshot(b).finish()).equals(
          Buffer.from(encodeHeadSnapshot(a).finish()),
        ),
      ).toBe(true);
    }
  });

  it('reads staged points, latest write wins, across many series at any moment', () => {
    const r = rng(99);
    const head = new Head({ maxChunkAgeMs: 30_000, oooCapacity: 4, outOfOrderWindowMs: 1e12 });
    const model = new Map<bigint, Map<number, number>>();
    const streams = Array.from({ length: 20 }, () => stream(r, 300));
    for (let i = 0; i < 300; i++) {
      for (let k = 0; k < streams.length; k++) {
        const [t, v] = streams[k]![i]!;
        const id = BigInt(k);
        head.appendStaged(head.getOrCreate(id), t, v * 100 + k);
        if (!model.has(id)) model.set(id, new Map());
        model.get(id)!.set(t, v * 100 + k);
      }
      if (i % 37 === 0) head.sealByAge(1_000_000 + i * 1000);
      if (i % 50 === 49) head.takeSealed().forEach((c) => head.restoreSealed([c]));
      if (i % 23 === 0 || i === 299) {
        for (let k = 0; k < streams.length; k++) {
          const id = BigInt(k);
          const got = mergeLatestWins(head.read(id, -Infinity, Infinity));
          const want = [...model.get(id)!.entries()].sort((x, y) => x[0] - y[0]);
          expect(Array.from(got.timestamps)).toEqual(want.map((e) => e[0]));
          expect(Array.from(got.values)).toEqual(want.map((e) => e[1]));
        }
      }
    }
    const before = head.openPoints;
    head.flushStaged();
    expect(head.openPoints).toBe(before);
  });
});
