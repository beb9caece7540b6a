import { crc32c } from '@ztsdb/checksum';
import {
  ChunkCorruptError,
  PACKED_CHUNK_VERSION,
  compactChunk,
  decodeChunk,
  decodeChunkInto,
  decodeChunkPicked,
  encodeChunk,
  encodeChunkCompact,
  encodePackedChunk,
} from './index';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function same(
  got: { timestamps: Float64Array; values: Float64Array },
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
): void {
  expect(got.timestamps.length).toBe(ts.length);
  for (let i = 0; i < ts.length; i++) {
    if (got.timestamps[i] !== ts[i]) throw new Error(`t[${i}] ${got.timestamps[i]} !== ${ts[i]}`);
    if (!Object.is(got.values[i], vs[i])) throw new Error(`v[${i}] ${got.values[i]} !== ${vs[i]}`);
  }
}

function packed(ts: ArrayLike<number>, vs: ArrayLike<number>): Uint8Array {
  const c = encodePackedChunk(ts, vs, 0, ts.length);
  expect(c).not.toBeNull();
  expect(c![0]).toBe(PACKED_CHUNK_VERSION);
  same(decodeChunk(c!), ts, vs);
  return c!;
}

function reseal(chunk: Uint8Array): Uint8Array {
  const out = chunk.slice();
  const end = out.length - 4;
  new DataView(out.buffer).setUint32(end, crc32c(out, 0, end));
  return out;
}

const step = (n: number, t0 = 1_700_000_000_000, dt = 1000): number[] =>
  Array.from({ length: n }, (_, i) => t0 + i * dt);

describe('packed chunks (version 2)', () => {
  const r = rng(11);

  it('matches golden bytes (docs/format/chunk.md)', () => {
    // Values 4096, 8192, 4096: scale 4096, so m = 1, 2, 1; delta mode (10 bits) beats offset (12 bits).
    const c = packed([1000, 2000, 3000], [4096, 8192, 4096]);
    // Stream: ts group width 11, dods 1000 → zigzag 2000, 0 → 0; value group width 2, deltas +1 → 2, −1 → 1.
    const bits = '001011' + '11111010000' + '00000000000' + '000010' + '10' + '01' + '00';
    expect(bits).toHaveLength(40);
    const stream = Buffer.from(bits.match(/.{8}/g)!.map((x) => parseInt(x, 2))).toString('hex');
    expect(stream).toBe('2fe80000a4');
    const head = '02' + '0003' + '01' + '00' + '00001000' + '0000000000000001' + '00000000000003e8';
    const crc = crc32c(Buffer.from(head + stream, 'hex'))
      .toString(16)
      .padStart(8, '0');
    expect(Buffer.from(c).toString('hex')).toBe(head + stream + crc);
  });

  it('round-trips container-like decimal series and is smaller than Gorilla on them', () => {
    const ts = step(3600);
    let mem = 200 * 2 ** 20;
    const memory = ts.map(() => (mem += Math.round((r() - 0.5) * 128) * 4096));
    const cpu = ts.map(() => Math.round(r() * 4000) / 100);
    const rate = ts.map(() => (r() < 0.5 ? 0 : Math.round(r() * 1e6)));
    let c = 1e9;
    const counter = ts.map(() => (c += Math.floor(r() * 1000)));
    for (const vs of [memory, cpu, rate, counter]) {
      const p = packed(ts, vs);
      expect(p.length).toBeLessThan(encodeChunk(ts, vs).length);
    }
  });

  it('round-trips boundaries: one point, 8,192 points, negatives, ±2^50 mantissas, jittered and equal timestamps', () => {
    packed([5], [1.25]);
    packed(
      step(8192),
      step(8192).map((_, i) => i % 7),
    );
    packed([-5000, -4000, -3000], [-1.5, 0, 2.75]);
    packed([0, 1], [2 ** 30, -(2 ** 30)]);
    packed([10, 10, 10, 9, 2_000_000_000], [0.001, 0.002, 0.003, 0, 1]);
    packed(
      step(100).map((t) => t + Math.floor(r() * 50)),
      step(100).map(() => Math.round(r() * 1e6) / 1e3),
    );
  });

  it('declines what it cannot hold exactly, and encodeChunkCompact falls back to Gorilla', () => {
    const ts = [0, 1000, 2000];
    for (const bad of [
      [1, NaN, 2],
      [1, -0, 2],
      [Infinity, 1, 2],
      [Math.PI, 1, 2],
      [2 ** 60, 1, 2],
      [2 ** 50, -(2 ** 50), 0],
    ]) {
      expect(encodePackedChunk(ts, bad, 0, 3)).toBeNull();
      const c = encodeChunkCompact(ts, bad);
      expect(c[0]).toBe(1);
      same(decodeChunk(c), ts, bad);
    }
    // A timestamp step of 2^31 or more does not fit a 32-bit group.
    expect(encodePackedChunk([0, 2 ** 31], [1, 2], 0, 2)).toBeNull();
    expect(encodePackedChunk([], [], 0, 0)).toBeNull();
  });

  it('decodeChunkInto fills caller arrays for both versions and refuses short ones', () => {
    const ts = step(300);
    const vs = ts.map((_, i) => (i % 10) * 0.5);
    const tOut = new Float64Array(8192);
    const vOut = new Float64Array(8192);
    for (const c of [encodeChunk(ts, vs), packed(ts, vs)]) {
      expect(decodeChunkInto(c, tOut, vOut)).toBe(300);
      same({ timestamps: tOut.subarray(0, 300), values: vOut.subarray(0, 300) }, ts, vs);
      expect(() => decodeChunkInto(c, new Float64Array(299), vOut)).toThrow(/cannot hold/);
    }
    expect(decodeChunkInto(encodeChunk([], []), tOut, vOut)).toBe(0);
  });

  it('compactChunk keeps the smaller form and is idempotent', () => {
    const ts = step(600);
    const vs = ts.map(() => Math.round(r() * 100) * 4096);
    const g = encodeChunk(ts, vs);
    const p = compactChunk(g);
    expect(p[0]).toBe(2);
    expect(p.length).toBeLessThan(g.length);
    expect(compactChunk(p)).toBe(p);
    const floats = ts.map(() => r());
    const gf = encodeChunk(ts, floats);
    expect(compactChunk(gf)).toBe(gf);
    const empty = encodeChunk([], []);
    expect(compactChunk(empty)).toBe(empty);
  });

  it('every truncation and every flipped bit fails with ChunkCorruptError', () => {
    const ts = step(200);
    const c = packed(
      ts,
      ts.map(() => Math.round(r() * 1000) / 10),
    );
    for (let cut = 0; cut < c.length; cut++) {
      expect(() => decodeChunk(c.subarray(0, cut))).toThrow(ChunkCorruptError);
    }
    for (let bit = 0; bit < c.length * 8; bit += 3) {
      const bad = c.slice();
      bad[bit >>> 3] = bad[bit >>> 3]! ^ (0x80 >>> (bit & 7));
      expect(() => decodeChunk(bad)).toThrow(ChunkCorruptError);
    }
  });

  it('with a valid checksum, bad headers and short or long streams still fail with ChunkCorruptError', () => {
    const c = packed(
      step(40),
      step(40).map((_, i) => i * 3),
    );
    const withByte = (at: number, v: number): Uint8Array => {
      const b = c.slice();
      b[at] = v;
      return reseal(b);
    };
    expect(() => decodeChunk(withByte(3, 3))).toThrow(/value mode/); // mode
    expect(() => decodeChunk(withByte(4, 16))).toThrow(/exponent/);
    const zeroScale = c.slice();
    zeroScale.fill(0, 5, 9);
    expect(() => decodeChunk(reseal(zeroScale))).toThrow(/scale/);
    expect(() => decodeChunk(withByte(2, 200))).toThrow(ChunkCorruptError); // count beyond the bits
    expect(() => decodeChunk(withByte(2, 0))).toThrow(ChunkCorruptError); // count 0
    const longer = new Uint8Array(c.length + 1);
    longer.set(c.subarray(0, c.length - 4));
    expect(() => decodeChunk(reseal(longer))).toThrow(/unexpected bit/);
    // A group width above 32.
    const wide = c.slice();
    wide[25] = 0xfc;
    expect(() => decodeChunk(reseal(wide))).toThrow(ChunkCorruptError);
    // Garbage never escapes as another error.
    const g = rng(3);
    for (let k = 0; k < 300; k++) {
      const b = c.slice();
      for (let j = 25; j < b.length - 4; j++) if (g() < 0.2) b[j] = Math.floor(g() * 256);
      try {
        decodeChunk(reseal(b));
      } catch (err) {
        expect(err).toBeInstanceOf(ChunkCorruptError);
      }
    }
  });

  it('decodeChunkPicked gives the picked points as a full decode does, for every value mode and Gorilla', () => {
    const ts = step(1000).map((t, i) => (i % 97 === 0 ? t + 13 : t));
    let c = 5e8;
    const series = [
      ts.map(() => Math.round(r() * 4000) / 100), // offsets
      ts.map((_, i) => 1000 + i * 3 + (i % 5)), // deltas
      ts.map(() => (c += Math.floor(r() * 1000))), // a counter
      ts.map(() => r()), // not decimal: Gorilla
    ];
    const T = new Float64Array(8192);
    const V = new Float64Array(8192);
    const keep = new Uint32Array(8192);
    for (const vs of series) {
      const chunk = encodeChunkCompact(ts, vs);
      const whole = decodeChunk(chunk);
      for (const every of [1, 7, 60, 999, 5000]) {
        let sawValues: boolean | undefined;
        const kept = decodeChunkPicked(chunk, T, V, keep, (t, v, n, k) => {
          sawValues = v !== null;
          expect(Array.from(t.subarray(0, n))).toEqual(Array.from(whole.timestamps));
          let m = 0;
          for (let i = every - 1; i < n; i += every) k[m++] = i;
          return m;
        });
        expect(sawValues).toBe(chunk[0] !== PACKED_CHUNK_VERSION);
        expect(kept).toBe(Math.floor(1000 / every));
        for (let m = 0; m < kept; m++) {
          const i = keep[m]!;
          expect(Object.is(V[i], whole.values[i])).toBe(true);
        }
      }
    }
    // One point; nothing picked; arrays too short.
    const one = packed([5], [1.25]);
    expect(decodeChunkPicked(one, T, V, keep, (_t, _v, _n, k) => ((k[0] = 0), 1))).toBe(1);
    expect(V[0]).toBe(1.25);
    expect(decodeChunkPicked(one, T, V, keep, () => 0)).toBe(0);
    expect(() => decodeChunkPicked(one, new Float64Array(0), V, keep, () => 0)).toThrow(
      /cannot hold/,
    );
  });

  it('decodeChunkPicked fails on damaged streams as a full decode does', () => {
    const ts = step(200);
    const c = packed(
      ts,
      ts.map(() => Math.round(r() * 1000) / 10),
    );
    const T = new Float64Array(8192);
    const V = new Float64Array(8192);
    const keep = new Uint32Array(8192);
    const pickLast = (_t: Float64Array, _v: Float64Array | null, n: number, k: Uint32Array) => {
      k[0] = n - 1;
      return 1;
    };
    for (let cut = 0; cut < c.length; cut++) {
      expect(() => decodeChunkPicked(c.subarray(0, cut), T, V, keep, pickLast)).toThrow(
        ChunkCorruptError,
      );
    }
    // With valid checksums: a stream one byte long, a group width above 32, random garbage.
    const longer = new Uint8Array(c.length + 1);
    longer.set(c.subarray(0, c.length - 4));
    expect(() => decodeChunkPicked(reseal(longer), T, V, keep, pickLast)).toThrow(/unexpected bit/);
    const wide = c.slice();
    wide[25] = 0xfc;
    expect(() => decodeChunkPicked(reseal(wide), T, V, keep, pickLast)).toThrow(ChunkCorruptError);
    const g = rng(5);
    for (let k = 0; k < 300; k++) {
      const b = c.slice();
      for (let j = 25; j < b.length - 4; j++) if (g() < 0.2) b[j] = Math.floor(g() * 256);
      let full: unknown;
      let picked: unknown;
      try {
        decodeChunk(reseal(b));
      } catch (err) {
        full = err;
      }
      try {
        decodeChunkPicked(reseal(b), T, V, keep, pickLast);
      } catch (err) {
        picked = err;
      }
      // Both refuse the same streams (the structure is checked whole either way).
      expect(picked === undefined).toBe(full === undefined);
      if (picked !== undefined) expect(picked).toBeInstanceOf(ChunkCorruptError);
    }
  });
});
