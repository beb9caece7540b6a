import { crc32c } from '@ztsdb/checksum';
import { CHUNK_VERSION } from './chunk-format';
import {
  ChunkCorruptError,
  ChunkFullError,
  MAX_CHUNK_POINTS,
  PACKED_CHUNK_VERSION,
  XorAppender,
  decodeChunk,
  encodeChunk,
  encodeChunkCompact,
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

const F = new Float64Array(1);
const W = new Uint32Array(F.buffer);
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Float64 from two 32-bit halves (bit pattern kept, NaN payloads included). */
function fromWords(hi: number, lo: number): number {
  W[LE ? 1 : 0] = hi;
  W[LE ? 0 : 1] = lo;
  return F[0]!;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Every point appended from the start. */
function fresh(ts: number[], vs: number[], end = ts.length): XorAppender {
  const app = new XorAppender();
  for (let i = 0; i < end; i++) app.append(ts[i]!, vs[i]!);
  return app;
}

/** Resume from the chunk of the first k points, then append the rest; must match `fresh`. */
function expectResumeMatches(ts: number[], vs: number[], k: number): void {
  const whole = fresh(ts, vs);
  const app = XorAppender.resume(encodeChunk(ts, vs, 0, k));
  for (let i = k; i < ts.length; i++) app.append(ts[i]!, vs[i]!);
  const got = hex(app.bytes());
  const want = hex(whole.bytes());
  if (got !== want) throw new Error(`split ${k}/${ts.length}: bytes differ\n${got}\n${want}`);
  expect(app.count).toBe(whole.count);
  expect(app.minT).toBe(whole.minT);
  expect(app.maxT).toBe(whole.maxT);
  expect(app.byteLength).toBe(whole.byteLength);
}

/** Split points worth checking: the edges and a few random ones. */
function splits(n: number, r: () => number): number[] {
  const out = new Set<number>([0, 1, 2, 3, n - 2, n - 1, n]);
  for (let i = 0; i < 6; i++) out.add(Math.floor(r() * (n + 1)));
  return [...out].filter((k) => k >= 0 && k <= n);
}

const SPECIAL = [
  NaN,
  -0,
  0,
  Infinity,
  -Infinity,
  Number.MIN_VALUE,
  -Number.MAX_VALUE,
  fromWords(0x7ff00000, 1), // signalling NaN
  fromWords(0xfff80000, 0xdeadbeef), // negative NaN with payload
  fromWords(0x80000000, 1), // negative subnormal
  1,
  1.5,
];

type Gen = (r: () => number, n: number) => [number[], number[]];

const GENERATORS: Record<string, Gen> = {
  'regular scrape, decimal values': (r, n) => {
    const ts: number[] = [];
    const vs: number[] = [];
    let v = 100;
    for (let i = 0; i < n; i++) {
      ts.push(1_700_000_000_000 + i * 15_000 + Math.floor(r() * 30));
      v += Math.floor(r() * 100) / 10;
      vs.push(v);
    }
    return [ts, vs];
  },
  'random bit patterns and wild timestamps': (r, n) => {
    const ts: number[] = [];
    const vs: number[] = [];
    for (let i = 0; i < n; i++) {
      const pick = r();
      ts.push(
        pick < 0.1
          ? Number.MAX_SAFE_INTEGER - Math.floor(r() * 3)
          : pick < 0.2
            ? -Number.MAX_SAFE_INTEGER + Math.floor(r() * 3)
            : Math.floor((r() - 0.5) * 2 ** 40),
      );
      vs.push(fromWords((r() * 2 ** 32) >>> 0, (r() * 2 ** 32) >>> 0));
    }
    return [ts, vs];
  },
  'equal timestamps and special values': (r, n) => {
    const ts: number[] = [];
    const vs: number[] = [];
    let t = 5;
    for (let i = 0; i < n; i++) {
      if (r() < 0.3) t += Math.floor(r() * 1_000_000) - 1000;
      ts.push(t);
      vs.push(SPECIAL[Math.floor(r() * SPECIAL.length)]!);
    }
    return [ts, vs];
  },
  'windows that shrink and grow': (r, n) => {
    const ts: number[] = [];
    const vs: number[] = [];
    let hi = 0x40590000;
    let lo = 0;
    for (let i = 0; i < n; i++) {
      ts.push(i * 1000);
      const bit = Math.floor(r() * 64);
      if (bit < 32) hi ^= 1 << bit;
      else lo ^= 1 << (bit - 32);
      if (r() < 0.2) lo ^= (r() * 2 ** 32) >>> 0;
      vs.push(fromWords(hi >>> 0, lo >>> 0));
    }
    return [ts, vs];
  },
};

describe('XorAppender.resume', () => {
  it('gives an empty appender for an empty chunk, and the same bytes back for any chunk', () => {
    const empty = XorAppender.resume(encodeChunk([], []));
    expect(empty.count).toBe(0);
    expect(empty.minT).toBe(Infinity);
    expect(empty.maxT).toBe(-Infinity);
    expect(hex(empty.bytes())).toBe(hex(encodeChunk([], [])));
    const chunk = encodeChunk([1, 2, 4, 4, 100], [NaN, -0, 0, -0, NaN]);
    expect(hex(XorAppender.resume(chunk).bytes())).toBe(hex(chunk));
  });

  for (const [name, gen] of Object.entries(GENERATORS)) {
    it(`continues byte-identically: ${name}`, () => {
      const r = rng(name.length * 7919);
      for (const n of [0, 1, 2, 3, 5, 17, 130, 1000]) {
        for (let rep = 0; rep < 3; rep++) {
          const [ts, vs] = gen(r, n);
          for (const k of splits(n, r)) expectResumeMatches(ts, vs, k);
        }
      }
    });
  }

  it('two points with every kind of second value, including a first window', () => {
    for (const a of SPECIAL) {
      for (const b of SPECIAL) {
        for (const c of SPECIAL) {
          expectResumeMatches([10, 10, 20], [a, b, c], 2);
          expectResumeMatches([10, 10, 20], [a, b, c], 1);
        }
      }
    }
  });

  it('resumes a full 8,192-point chunk (no room left) and one point short of full', () => {
    const [ts, vs] = GENERATORS['windows that shrink and grow']!(rng(3), MAX_CHUNK_POINTS);
    const full = XorAppender.resume(encodeChunk(ts, vs));
    expect(full.count).toBe(MAX_CHUNK_POINTS);
    expect(hex(full.bytes())).toBe(hex(fresh(ts, vs).bytes()));
    expect(() => full.append(1, 1)).toThrow(ChunkFullError);
    expectResumeMatches(ts, vs, MAX_CHUNK_POINTS - 1);
    expectResumeMatches(ts, vs, 4096);
  });

  it('resumes a packed (version 2) chunk by re-appending its points', () => {
    const ts = Array.from({ length: 300 }, (_, i) => 1_000_000 + i * 10_000);
    const vs = ts.map((_, i) => (i % 7) * 0.25 + 3);
    const packed = encodeChunkCompact(ts, vs, 0, 200);
    expect(packed[0]).toBe(PACKED_CHUNK_VERSION);
    const app = XorAppender.resume(packed);
    expect(app.count).toBe(200);
    for (let i = 200; i < 300; i++) app.append(ts[i]!, vs[i]!);
    const bytes = app.bytes();
    expect(bytes[0]).toBe(CHUNK_VERSION);
    expect(hex(bytes)).toBe(hex(fresh(ts, vs).bytes()));
  });

  it('the resumed appender can be reset and reused like any other', () => {
    const app = XorAppender.resume(encodeChunk([1, 2, 3], [1, 2, 3]));
    app.reset();
    app.append(7, 8);
    expect(hex(app.bytes())).toBe(hex(encodeChunk([7], [8])));
  });
});

describe('XorAppender.resume on bad bytes', () => {
  const [ts, vs] = GENERATORS['regular scrape, decimal values']!(rng(11), 50);
  const good = encodeChunk(ts, vs);

  /** Recompute the trailer CRC after editing the body. */
  function reseal(c: Uint8Array): Uint8Array {
    const end = c.length - 4;
    const crc = crc32c(c, 0, end);
    c[end] = crc >>> 24;
    c[end + 1] = crc >>> 16;
    c[end + 2] = crc >>> 8;
    c[end + 3] = crc;
    return c;
  }

  it('rejects a checksum mismatch unless told the container checked it', () => {
    const bad = good.slice();
    bad[bad.length - 1]! ^= 1;
    expect(() => XorAppender.resume(bad)).toThrow(ChunkCorruptError);
    expect(hex(XorAppender.resume(bad, false).bytes())).toBe(hex(good));
  });

  it('rejects unknown versions, short chunks, counts the bits cannot back', () => {
    expect(() => XorAppender.resume(new Uint8Array(3))).toThrow(ChunkCorruptError);
    const v9 = good.slice();
    v9[0] = 9;
    expect(() => XorAppender.resume(reseal(v9))).toThrow(/unknown chunk version/);
    const tooMany = good.slice();
    tooMany[1] = 0xff;
    expect(() => XorAppender.resume(reseal(tooMany))).toThrow(ChunkCorruptError);
  });

  /**
   * resume must throw exactly when decodeChunk does; when both accept the
   * bytes (possibly a stream no encoder would write), the resumed appender
   * gives the same bytes back and a later point decodes after the old ones.
   */
  function expectAgreesWithDecode(c: Uint8Array): void {
    let decoded: { timestamps: Float64Array; values: Float64Array } | null = null;
    try {
      decoded = decodeChunk(c);
    } catch (err) {
      expect(err).toBeInstanceOf(ChunkCorruptError);
    }
    if (decoded === null) {
      expect(() => XorAppender.resume(c)).toThrow(ChunkCorruptError);
      return;
    }
    const pts = { ts: Array.from(decoded.timestamps), vs: Array.from(decoded.values) };
    const app = XorAppender.resume(c);
    expect(hex(app.bytes())).toBe(hex(c));
    expect(app.minT).toBe(Math.min(...pts.ts));
    expect(app.maxT).toBe(Math.max(...pts.ts));
    app.append(Number.MAX_SAFE_INTEGER, 42);
    app.append(Number.MAX_SAFE_INTEGER - 7, -0);
    const back = decodeChunk(app.bytes());
    expect(Array.from(back.timestamps)).toEqual([
      ...pts.ts,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER - 7,
    ]);
    const bits = (v: Float64Array | number[]): string =>
      Buffer.from(Float64Array.from(v).buffer).toString('hex');
    expect(bits(back.values)).toBe(bits([...pts.vs, 42, -0]));
  }

  it('agrees with decodeChunk when the count is off (stream ends early or has extra bits)', () => {
    for (const delta of [-3, -2, -1, 1, 2, 3, 40]) {
      const c = good.slice();
      const n = ((c[1]! << 8) | c[2]!) + delta;
      c[1] = n >>> 8;
      c[2] = n & 0xff;
      expectAgreesWithDecode(reseal(c));
    }
    const c = good.slice();
    c[1] = 0;
    c[2] = 60;
    expect(() => XorAppender.resume(reseal(c))).toThrow(/ends early/);
  });

  it('agrees with decodeChunk on every single-bit flip of the body', () => {
    for (let bit = 3 * 8; bit < (good.length - 4) * 8; bit++) {
      const c = good.slice();
      c[bit >>> 3]! ^= 0x80 >>> (bit & 7);
      expectAgreesWithDecode(reseal(c));
    }
  });
});
