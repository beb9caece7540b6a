import {
  ChunkCorruptError,
  MAX_CHUNK_POINTS,
  XorAppender,
  encodeChunk,
  encodeChunkCompact,
} from '@ztsdb/chunkenc';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OpenChunks } from './open-chunks';

// gc() for the test that checks no page stays reachable (a context made while the flag is set).
setFlagsFromString('--expose-gc');

/** A deterministic generator (no Math.random: a failure must repeat). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Points that reach every timestamp bucket and escape and every value case. */
function points(seed: number, n: number): { ts: number[]; vs: number[] } {
  const r = rng(seed);
  const ts: number[] = [];
  const vs: number[] = [];
  let t = 1_700_000_000_000 + Math.floor(r() * 1e6);
  let v = 0;
  const specials = [NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, Number.MAX_VALUE, 1e-300];
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.5) t += 1000;
    else if (k < 0.7) t += 1000 + Math.floor((r() - 0.5) * 120);
    else if (k < 0.8) t += Math.floor(r() * 16_000);
    else if (k < 0.9) t += Math.floor(r() * 1_000_000);
    else if (k < 0.97) t += Math.floor(r() * 2 ** 40);
    else t -= Math.floor(r() * 1e9); // backwards: the chunk codec allows it (the head never sends it)
    const j = r();
    if (j < 0.3) {
      // the same value again
    } else if (j < 0.6) v = Math.round((v + (r() - 0.5) * 4) * 100) / 100;
    else if (j < 0.8) v = r() * 1e9;
    else if (j < 0.9) v = Math.floor(r() * 1000);
    else v = specials[Math.floor(r() * specials.length)]!;
    ts.push(t);
    vs.push(v);
  }
  return { ts, vs };
}

function viaAppender(ts: number[], vs: number[], from = 0, to = ts.length): Uint8Array {
  const a = new XorAppender();
  for (let i = from; i < to; i++) a.append(ts[i]!, vs[i]!);
  return a.bytes();
}

describe('OpenChunks', () => {
  it('builds, point by point, the bytes XorAppender builds (every bucket, escape and value case)', () => {
    for (const seed of [1, 42]) {
      const { ts, vs } = points(seed, 1500);
      const c = new OpenChunks();
      c.start(5, 8);
      for (let i = 0; i < ts.length; i++) {
        c.append(5, ts[i]!, vs[i]!);
        if (i < 20 || i % 251 === 0 || i === ts.length - 1)
          expect(c.bytes(5)).toEqual(viaAppender(ts, vs, 0, i + 1));
      }
      expect(c.count(5)).toBe(ts.length);
      expect(c.minT(5)).toBe(Math.min(...ts));
      expect(c.maxT(5)).toBe(Math.max(...ts));
      expect(c.byteLength(5)).toBe(c.bytes(5).length);
    }
  });

  it('appends batches a run at a time (appendRun) with the bytes of point-by-point appends', () => {
    // Batches of one point per slot, slots in a shuffled order, as a producer's tick; the
    // points reach every timestamp bucket, escape and value case, and go backwards now and
    // then (appendRun must hand those back: lastT). Regions start at 32 bytes (regrow),
    // and one pass has a maximum age that cuts chunks.
    for (const maxAgeMs of [Number.MAX_SAFE_INTEGER, 5_000_000]) {
      const slotsN = 64;
      const data = Array.from({ length: slotsN }, (_, s) => points(500 + s, 400));
      const order = Int32Array.from({ length: slotsN }, (_, s) => (s * 37) % slotsN);
      const run = new OpenChunks();
      const one = new OpenChunks();
      const lastT = new Float64Array(slotsN).fill(-Infinity);
      const oneLastT = new Float64Array(slotsN).fill(-Infinity);
      let byRun = 0;
      let byHand = 0;
      // The general path of the head, for both: a point not newer than the last is dropped here
      // (the head would send it out of order), one past the maximum age starts a new chunk.
      const general = (c: OpenChunks, last: Float64Array, s: number, t: number, v: number) => {
        if (!(t > last[s]!)) return;
        if (c.count(s) === 0 || c.count(s) >= MAX_CHUNK_POINTS || t - c.minT(s) >= maxAgeMs)
          c.start(s, 32);
        c.append(s, t, v);
        last[s] = t;
      };
      for (let k = 0; k < 400; k++) {
        const ts = Float64Array.from(order, (s) => data[s]!.ts[k]!);
        const vs = Float64Array.from(order, (s) => data[s]!.vs[k]!);
        for (let i = 0; i < slotsN; i++) {
          const stop = run.appendRun(order, ts, vs, i, slotsN, lastT, maxAgeMs);
          byRun += stop - i;
          i = stop;
          if (i === slotsN) break;
          general(run, lastT, order[i]!, ts[i]!, vs[i]!);
          byHand++;
        }
        for (let i = 0; i < slotsN; i++) general(one, oneLastT, order[i]!, ts[i]!, vs[i]!);
      }
      expect(byRun).toBeGreaterThan(byHand / 2); // the run took the common cases
      expect(lastT).toEqual(oneLastT);
      for (let s = 0; s < slotsN; s++) {
        expect(run.count(s)).toBe(one.count(s));
        expect(run.minT(s)).toBe(one.minT(s));
        expect(run.maxT(s)).toBe(one.maxT(s));
        expect(run.bytes(s)).toEqual(one.bytes(s));
      }
    }
    // And against XorAppender on its own: one slot, every point newer, every bucket.
    const { ts, vs } = points(3, 3000);
    // The generator's steps made positive: every delta-of-delta bucket and the escape.
    const inOrder = [ts[0]!];
    for (let i = 1; i < ts.length; i++)
      inOrder.push(inOrder[i - 1]! + 1 + Math.abs(ts[i]! - ts[i - 1]!));
    const c = new OpenChunks();
    const last = new Float64Array(1).fill(-Infinity);
    const slot0 = new Int32Array(1);
    for (let i = 0; i < inOrder.length; i++) {
      const t1 = Float64Array.of(inOrder[i]!);
      const v1 = Float64Array.of(vs[i]!);
      if (c.appendRun(slot0, t1, v1, 0, 1, last, Number.MAX_SAFE_INTEGER) === 1) continue;
      if (c.count(0) === 0) c.start(0, 8);
      c.append(0, inOrder[i]!, vs[i]!);
      last[0] = inOrder[i]!;
    }
    expect(c.bytes(0)).toEqual(viaAppender(inOrder, vs));
  });

  it('keeps many slots apart in the shared slab while they grow and are closed and restarted', () => {
    const c = new OpenChunks();
    const slots = 300;
    const data = Array.from({ length: slots }, (_, s) => points(100 + s, 20 + (s % 7) * 60));
    const at = new Int32Array(slots);
    for (let s = 0; s < slots; s++) c.start(s, 16);
    for (let round = 0; round < 450; round++) {
      for (let s = round % 3; s < slots; s += 3) {
        const d = data[s]!;
        if (at[s]! < d.ts.length) {
          c.append(s, d.ts[at[s]!]!, d.vs[at[s]!]!);
          at[s]!++;
        }
      }
    }
    for (let s = 0; s < slots; s++) {
      const d = data[s]!;
      expect(c.bytes(s)).toEqual(viaAppender(d.ts, d.vs, 0, at[s]!));
    }
    const used = c.slabBytes.used;
    for (let s = 0; s < slots; s += 2) c.close(s);
    expect(c.count(0)).toBe(0);
    expect(c.slabBytes.used).toBeLessThan(used);
    const reserved = c.slabBytes.reserved;
    // Closed regions are handed out again: restarting the same slots takes no new page.
    for (let s = 0; s < slots; s += 2) {
      c.start(s, 16);
      c.append(s, 1000, s);
    }
    expect(c.slabBytes.reserved).toBe(reserved);
    for (let s = 0; s < slots; s += 2) expect(c.bytes(s)).toEqual(viaAppender([1000], [s]));
    for (let s = 1; s < slots; s += 2) {
      const d = data[s]!;
      expect(c.bytes(s)).toEqual(viaAppender(d.ts, d.vs, 0, at[s]!));
    }
  });

  it('lets every page go once its chunks are closed and the spare is shed, and starts again after', async () => {
    const c = new OpenChunks();
    const d = points(7, 2000);
    for (let s = 0; s < 40; s++) {
      c.start(s, 16);
      for (let i = 0; i < d.ts.length; i++) c.append(s, d.ts[i]!, d.vs[i]!);
    }
    const pages = (c as unknown as { slab: { pages: Int32Array[] } }).slab.pages;
    const held = pages.filter((p) => p.length > 0).map((p) => new WeakRef(p));
    expect(held.length).toBeGreaterThan(0);
    for (let s = 0; s < 40; s++) c.close(s);
    c.shedSpare();
    expect(c.slabBytes.reserved).toBe(0);
    // Nothing of the head (the bit writer's page included) keeps a page alive.
    const gc = runInNewContext('gc', {}, {}) as () => void;
    gc();
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(held.filter((w) => w.deref() !== undefined)).toHaveLength(0);
    c.start(3, 16);
    c.append(3, 1000, 3);
    expect(c.bytes(3)).toEqual(viaAppender([1000], [3]));
  });

  it('holds a full chunk of the worst case (every point escaped) in one region', () => {
    const c = new OpenChunks();
    const ts: number[] = [];
    const vs: number[] = [];
    const r = rng(9);
    for (let i = 0; i < MAX_CHUNK_POINTS; i++) {
      ts.push(i * 2 ** 40 + (i % 2) * 7);
      vs.push(r() * 1e300 * (i % 2 ? -1 : 1));
    }
    c.start(0, 8);
    for (let i = 0; i < ts.length; i++) c.append(0, ts[i]!, vs[i]!);
    expect(c.bytes(0)).toEqual(viaAppender(ts, vs));
  });

  it('resumes a finished chunk of either version and continues as if it had every point', () => {
    const { ts, vs } = points(77, 500);
    // The resumed encoder must match in both value-window states: none opened yet, and one open.
    for (const cut of [1, 2, 3, 250]) {
      for (const chunk of [
        viaAppender(ts, vs, 0, cut),
        encodeChunkCompact(Float64Array.from(ts), Float64Array.from(vs), 0, cut),
      ]) {
        const c = new OpenChunks();
        c.start(3, 64);
        c.append(3, 1, 1); // replaced by the resume
        c.resume(3, chunk);
        expect(c.count(3)).toBe(cut);
        for (let i = cut; i < ts.length; i++) c.append(3, ts[i]!, vs[i]!);
        expect(c.bytes(3)).toEqual(viaAppender(ts, vs));
      }
    }
  });

  it('resumes an empty chunk as no open chunk, and refuses corrupt bytes with ChunkCorruptError', () => {
    const c = new OpenChunks();
    c.resume(0, encodeChunk(new Float64Array(0), new Float64Array(0)));
    expect(c.count(0)).toBe(0);
    const good = viaAppender([1, 2, 3], [1, 2, 3]);
    const bad = good.slice();
    bad[4]! ^= 0x10;
    expect(() => c.resume(0, bad)).toThrow(ChunkCorruptError);
    expect(() => c.resume(0, good.subarray(0, 3))).toThrow(ChunkCorruptError);
    c.resume(0, good);
    expect(c.bytes(0)).toEqual(good);
  });
});
