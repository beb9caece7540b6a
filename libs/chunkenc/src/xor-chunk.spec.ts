import { crc32c } from '@ztsdb/checksum';
import { CorruptionError, InvalidInputError, ZtsdbError } from '@ztsdb/errors';
import {
  ChunkCorruptError,
  ChunkFullError,
  MAX_CHUNK_POINTS,
  XorAppender,
  XorIterator,
  decodeChunk,
  encodeChunk,
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

const bitsOf = (v: number): string => Buffer.from(new Float64Array([v]).buffer).toString('hex');

/** Float64 from a 16-hex-digit big-endian bit pattern. */
function fromBits(hex: string): number {
  return Buffer.from(hex, 'hex').readDoubleBE(0);
}

function expectRoundTrip(ts: number[], vs: number[]): Uint8Array {
  const chunk = encodeChunk(ts, vs);
  const got = decodeChunk(chunk);
  expect(got.timestamps.length).toBe(ts.length);
  for (let i = 0; i < ts.length; i++) {
    if (got.timestamps[i] !== ts[i]) throw new Error(`t[${i}] ${got.timestamps[i]} !== ${ts[i]}`);
    if (bitsOf(got.values[i]!) !== bitsOf(vs[i]!))
      throw new Error(`v[${i}] ${got.values[i]} !== ${vs[i]}`);
  }
  // The streaming iterator agrees with the bulk decoder.
  const it = new XorIterator(chunk);
  let n = 0;
  while (it.next()) {
    expect(it.t).toBe(ts[n]);
    n++;
  }
  expect(n).toBe(ts.length);
  expect(it.next()).toBe(false);
  return chunk;
}

/** Re-seal a chunk's CRC after tampering, so the bit decoder itself is tested. */
function reseal(chunk: Uint8Array): Uint8Array {
  const out = chunk.slice();
  const end = out.length - 4;
  const crc = crc32c(out, 0, end);
  out[end] = crc >>> 24;
  out[end + 1] = crc >>> 16;
  out[end + 2] = crc >>> 8;
  out[end + 3] = crc;
  return out;
}

/** Decode fully; returns the number of points or the error thrown. */
function tryDecode(chunk: Uint8Array, verify: boolean): number | unknown {
  try {
    const it = new XorIterator();
    it.reset(chunk, verify);
    let n = 0;
    while (it.next()) if (++n > MAX_CHUNK_POINTS) throw new Error('iterator did not stop');
    return n;
  } catch (e) {
    return e;
  }
}

// 4 points: (1000, 1.5) (2000, 1.5) (3000, 2.25) (4005, -0) — see docs/format/chunk.md.
const GOLDEN_HEX = '01000400000000000003e83ff8000000000000c1f4184efff60b80fc002030c10e71';

describe('Gorilla chunk format', () => {
  it('matches the golden bytes of a small chunk', () => {
    const chunk = encodeChunk([1000, 2000, 3000, 4005], [1.5, 1.5, 2.25, -0]);
    expect(Buffer.from(chunk).toString('hex')).toBe(GOLDEN_HEX);
    const got = decodeChunk(Buffer.from(GOLDEN_HEX, 'hex'));
    expect(Array.from(got.timestamps)).toEqual([1000, 2000, 3000, 4005]);
    expect(Array.from(got.values)).toEqual([1.5, 1.5, 2.25, -0]);
    expect(Object.is(got.values[3], -0)).toBe(true);
  });

  it('encodes an empty chunk as header + checksum', () => {
    const chunk = new XorAppender().bytes();
    expect(Buffer.from(chunk).toString('hex')).toBe('010000c5253104');
    expect(decodeChunk(chunk).timestamps.length).toBe(0);
  });

  it('round-trips one point and a constant series', () => {
    expectRoundTrip([42], [3.14]);
    const ts = Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000 + i * 15_000);
    const chunk = expectRoundTrip(
      ts,
      ts.map(() => 7),
    );
    // 128 bits first point, then ~2 bits/point.
    expect(chunk.length).toBeLessThan(3 + 16 + 260 + 4);
  });

  it('round-trips random series with jitter and random floats', () => {
    const r = rng(7);
    for (let s = 0; s < 20; s++) {
      const n = 1 + Math.floor(r() * 3000);
      const ts: number[] = [];
      const vs: number[] = [];
      let t = Math.floor((r() - 0.5) * 2 ** 50);
      for (let i = 0; i < n; i++) {
        t += Math.floor(r() * (s % 4 === 0 ? 1e7 : 2000));
        ts.push(t);
        vs.push(
          s % 3 === 0
            ? (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20)
            : Math.round(r() * 10000) / 100,
        );
      }
      expectRoundTrip(ts, vs);
    }
  });

  it('round-trips adversarial values bit for bit (NaN payloads, ±Inf, -0, subnormals)', () => {
    const vs = [
      NaN,
      fromBits('7ff8000000000001'),
      fromBits('fff0000000000abc'),
      Infinity,
      -Infinity,
      -0,
      0,
      -0,
      Number.MIN_VALUE,
      -Number.MAX_VALUE,
      Number.MAX_VALUE,
      fromBits('0000000000000001'),
      fromBits('8000000000000001'),
      1,
      fromBits('3ff0000000000001'),
      NaN,
    ];
    const ts = vs.map((_, i) => i * 1000);
    const chunk = encodeChunk(ts, vs);
    const got = decodeChunk(chunk);
    expect(Array.from(got.values, bitsOf)).toEqual(vs.map(bitsOf));
  });

  it('round-trips adversarial timestamps (equal, negative, huge gaps, ±2^53 edges, out of order)', () => {
    const M = Number.MAX_SAFE_INTEGER;
    const ts = [
      -M,
      -M,
      M,
      M,
      0,
      -1,
      -1,
      -1,
      5,
      5 + 63,
      5 + 63 + 63 + 64,
      1e15,
      -1e15,
      2 ** 40,
      2 ** 40 + 1,
      2 ** 40 + 8193,
      2 ** 40 + 8193 + 524287,
      M - 1,
      -M + 1,
      0,
      1,
      3,
      6,
    ];
    expectRoundTrip(
      ts,
      ts.map((_, i) => i),
    );
  });

  it('takes exactly 8,192 points and refuses the 8,193rd', () => {
    const app = new XorAppender();
    for (let i = 0; i < MAX_CHUNK_POINTS; i++) app.append(i * 1000, i % 7);
    expect(app.count).toBe(8192);
    expect(() => app.append(8192 * 1000, 0)).toThrow(ChunkFullError);
    try {
      app.append(1, 1);
    } catch (e) {
      expect(e).toBeInstanceOf(ZtsdbError);
      expect((e as ZtsdbError).code).toBe('ZTSDB_CHUNK_FULL');
    }
    const got = decodeChunk(app.bytes());
    expect(got.timestamps.length).toBe(8192);
    expect(got.timestamps[8191]).toBe(8191 * 1000);
    expect(got.values[8191]).toBe(8191 % 7);
    const many = Array.from({ length: 8193 }, (_, i) => i);
    expect(() => encodeChunk(many, many)).toThrow(ChunkFullError);
    expect(encodeChunk(many, many, 1, 8193).length).toBeGreaterThan(0);
  });

  it('tracks count, minT and maxT; bytes() is a snapshot copy', () => {
    const app = new XorAppender(1);
    expect(app.count).toBe(0);
    app.append(5000, 1);
    const first = app.bytes();
    app.append(3000, 2);
    app.append(9000, 3);
    expect([app.count, app.minT, app.maxT]).toEqual([3, 3000, 9000]);
    expect(decodeChunk(first).timestamps.length).toBe(1);
    expect(Array.from(decodeChunk(app.bytes()).timestamps)).toEqual([5000, 3000, 9000]);
    app.reset();
    expect(app.count).toBe(0);
    app.append(1, 1);
    expect(Array.from(decodeChunk(app.bytes()).values)).toEqual([1]);
  });

  it('writeTo lays out the bytes() of the chunk at any offset and leaves the rest alone', () => {
    const app = new XorAppender(1);
    for (let i = 0; i < 300; i++) app.append(1_700_000_000_000 + i * 1000 + (i % 3), i * 0.25);
    const expected = app.bytes();
    for (const offset of [0, 1, 7]) {
      const dst = new Uint8Array(offset + app.byteLength + 5).fill(0xee);
      expect(app.writeTo(dst, offset)).toBe(offset + app.byteLength);
      expect(Buffer.from(dst.subarray(offset, offset + app.byteLength))).toEqual(
        Buffer.from(expected),
      );
      expect(dst.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
      expect(dst.subarray(offset + app.byteLength).every((b) => b === 0xee)).toBe(true);
    }
  });

  it('rejects timestamps that are not safe integers', () => {
    const app = new XorAppender();
    for (const t of [1.5, NaN, Infinity, 2 ** 53, -(2 ** 53)]) {
      expect(() => app.append(t, 0)).toThrow(InvalidInputError);
    }
    expect(app.count).toBe(0);
    expect(() => encodeChunk([1, 2], [1])).toThrow(InvalidInputError);
  });
});

describe('Gorilla chunk corruption', () => {
  const r = rng(99);
  const ts = Array.from(
    { length: 40 },
    (_, i) => 1_700_000_000_000 + i * 1000 + (i % 5 === 0 ? 17 : 0),
  );
  const vs = ts.map((_, i) => (i % 9 === 0 ? NaN : Math.round(r() * 1e4) / 100));
  const good = encodeChunk(ts, vs);

  it('every truncation fails with ChunkCorruptError, with or without the checksum check', () => {
    for (let len = 0; len < good.length; len++) {
      const cut = good.subarray(0, len);
      for (const verify of [true, false]) {
        const res = tryDecode(cut, verify);
        expect(res).toBeInstanceOf(ChunkCorruptError);
      }
      // Truncated body re-sealed with a valid checksum: the bit decoder must catch it.
      if (len >= 7) {
        const sealed = reseal(Uint8Array.from([...good.subarray(0, len - 4), 0, 0, 0, 0]));
        const res = tryDecode(sealed, true);
        expect(res).toBeInstanceOf(ChunkCorruptError);
      }
    }
  });

  it('flipped bits fail the checksum', () => {
    for (let i = 0; i < good.length * 8; i += 3) {
      const bad = good.slice();
      bad[i >>> 3]! ^= 0x80 >>> (i & 7);
      const res = tryDecode(bad, true);
      expect(res).toBeInstanceOf(ChunkCorruptError);
    }
  });

  it('garbage never escapes as another error, a hang, or a wrong point count', () => {
    const g = rng(5);
    for (let k = 0; k < 3000; k++) {
      const len = Math.floor(g() * 64);
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(g() * 256));
      if (len > 0 && k % 2 === 0) bytes[0] = 1; // valid version, so the deeper checks run
      if (len > 2 && k % 4 === 0) bytes[1] = 0;
      for (const chunk of [bytes, len >= 7 ? reseal(bytes) : bytes]) {
        const res = tryDecode(chunk, false);
        if (typeof res === 'number') {
          expect(res).toBe((chunk[1]! << 8) | chunk[2]!);
        } else {
          expect(res).toBeInstanceOf(ChunkCorruptError);
        }
        expect(tryDecode(chunk, true)).not.toBeInstanceOf(TypeError);
      }
    }
  });

  it('refuses an unknown version, a count the length cannot hold, and trailing bytes', () => {
    const v2 = reseal(good);
    v2[0] = 2;
    expect(tryDecode(reseal(v2), true)).toBeInstanceOf(ChunkCorruptError);
    const big = good.slice();
    big[1] = 0xff;
    const e = tryDecode(reseal(big), true) as ChunkCorruptError;
    expect(e).toBeInstanceOf(ChunkCorruptError);
    expect(e).toBeInstanceOf(CorruptionError);
    expect(e.code).toBe('ZTSDB_CHUNK_CORRUPT');
    expect(typeof e.context.offset).toBe('number');
    // One extra zero byte after the last point.
    const longer = new Uint8Array(good.length + 1);
    longer.set(good.subarray(0, good.length - 4));
    expect(tryDecode(reseal(longer), true)).toBeInstanceOf(ChunkCorruptError);
    // One point fewer in the header than the bits hold.
    const fewer = good.slice();
    fewer[2]! -= 1;
    expect(tryDecode(reseal(fewer), true)).toBeInstanceOf(ChunkCorruptError);
    expect(() => decodeChunk(new Uint8Array([1, 0, 0]))).toThrow(ChunkCorruptError);
  });
});
