import { InvalidInputError, LimitExceededError } from '@ztsdb/errors';
import {
  BlockCorruptError,
  MAX_BLOCK_POINTS,
  blockTag,
  decodeTimestampBlock,
  encodeTimestampBlock,
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

function roundTrip(ts: ArrayLike<number>): Uint8Array {
  const block = encodeTimestampBlock(ts);
  const got = decodeTimestampBlock(block);
  expect(got.length).toBe(ts.length);
  for (let i = 0; i < ts.length; i++)
    if (got[i] !== ts[i]) throw new Error(`t[${i}] ${got[i]} !== ${ts[i]}`);
  return block;
}

const T0 = 1_700_000_000_000;

describe('timestamp blocks', () => {
  it('uses a constant step for regular timestamps (a few bytes for any count)', () => {
    const ts = Array.from({ length: 3600 }, (_, i) => T0 + i * 1000);
    const block = roundTrip(ts);
    expect(blockTag(block)).toBe('ts-const-step');
    expect(block.length).toBeLessThanOrEqual(1 + 2 + 8 + 2);
    expect(blockTag(roundTrip([T0]))).toBe('ts-const-step');
    expect(blockTag(roundTrip([T0, T0, T0]))).toBe('ts-const-step');
    expect(blockTag(roundTrip([5, 3, 1, -1]))).toBe('ts-const-step');
  });

  it('has golden bytes for a constant step', () => {
    const block = encodeTimestampBlock([1000, 2000, 3000]);
    // tag 01, count 3, first = 1000 as int64 LE, step 1000 → zigzag 2000 = d0 0f
    expect(Buffer.from(block).toString('hex')).toBe('0103e803000000000000d00f');
  });

  it('uses delta-of-delta for a regular step with rare jitter, delta for random gaps', () => {
    const r = rng(3);
    const regular = Array.from({ length: 2000 }, (_, i) => T0 + i * 1000 + (i % 50 === 0 ? 7 : 0));
    expect(blockTag(roundTrip(regular))).toMatch(/^ts-dod/);
    // Gaps that swing between tiny and large: deltas are cheaper than their differences.
    let t = T0;
    const swinging = Array.from(
      { length: 2000 },
      () => (t += r() < 0.5 ? Math.floor(r() * 50) : 50_000 + Math.floor(r() * 10_000)),
    );
    expect(blockTag(roundTrip(swinging))).toMatch(/^ts-delta/);
    let u = T0;
    const jittered = Array.from({ length: 2000 }, () => (u += 1000 + Math.floor(r() * 21) - 10));
    expect(blockTag(roundTrip(jittered))).toMatch(/^ts-(delta|dod)/);
  });

  it('falls back to plain int64 when deltas cannot be exact varints', () => {
    const M = Number.MAX_SAFE_INTEGER;
    const block = roundTrip([-M, M, -M, 0, M]);
    expect(blockTag(block)).toMatch(/^ts-plain/);
    expect(block.length).toBeLessThanOrEqual(1 + 1 + 5 * 8);
    expect(blockTag(roundTrip([-M, M]))).toBe('ts-plain');
  });

  it('round-trips edge timestamps: negative, equal, out of order, ±(2^53-1)', () => {
    const M = Number.MAX_SAFE_INTEGER;
    roundTrip([0, -1, -1, -1000, 5, 5, 4, 2 ** 52, -(2 ** 52)]);
    roundTrip([M, M - 1, M - 3]);
    roundTrip([-M, -M + 10, -M + 30]);
    roundTrip(new Float64Array([1, 2, 4, 8, 16, 32]));
  });

  it('encodes 0 points as the empty block and honours start/end', () => {
    const block = encodeTimestampBlock([]);
    expect(Array.from(block)).toEqual([0]);
    expect(blockTag(block)).toBe('empty');
    expect(decodeTimestampBlock(block).length).toBe(0);
    const ts = [9, 10, 20, 30, 40, 99];
    expect(Array.from(decodeTimestampBlock(encodeTimestampBlock(ts, 2, 5)))).toEqual([20, 30, 40]);
    expect(decodeTimestampBlock(encodeTimestampBlock(ts, 3, 3)).length).toBe(0);
  });

  it('handles the maximum block size and refuses more', () => {
    const ts = new Float64Array(MAX_BLOCK_POINTS);
    const r = rng(11);
    let t = T0;
    for (let i = 0; i < ts.length; i++) ts[i] = t += 1000 + (r() < 0.01 ? 1 : 0);
    const block = roundTrip(ts);
    expect(block.length).toBeLessThan(MAX_BLOCK_POINTS / 2);
    expect(() => encodeTimestampBlock(new Float64Array(MAX_BLOCK_POINTS + 1))).toThrow(
      LimitExceededError,
    );
  });

  it('rejects timestamps that are not safe integers and bad ranges', () => {
    expect(() => encodeTimestampBlock([1, 2.5])).toThrow(InvalidInputError);
    expect(() => encodeTimestampBlock([NaN])).toThrow(InvalidInputError);
    expect(() => encodeTimestampBlock([1, 2 ** 53])).toThrow(InvalidInputError);
    expect(() => encodeTimestampBlock([0, 2 ** 60, 1])).toThrow(InvalidInputError);
    expect(() => encodeTimestampBlock([1, 2], 1, 3)).toThrow(InvalidInputError);
  });

  it('compresses repetitive gaps', () => {
    let t = T0;
    const pattern = [1000, 1000, 997, 1003, 1500, 1000, 250];
    const repetitive = Array.from({ length: 5000 }, (_, i) => (t += pattern[i % pattern.length]!));
    const packed = roundTrip(repetitive);
    expect(blockTag(packed)).toMatch(/\+(brotli|zstd)$/);
    expect(packed.length).toBeLessThan(200);
  });
});

describe('timestamp block corruption', () => {
  const r = rng(21);
  let t = T0;
  const ts = Array.from({ length: 300 }, () => (t += 1000 + Math.floor(r() * 30)));
  const blocks = [
    encodeTimestampBlock(ts),
    encodeTimestampBlock(ts.map((_, i) => T0 + i)),
    encodeTimestampBlock([-(2 ** 53 - 1), 2 ** 53 - 1, 0]),
    encodeTimestampBlock([-(2 ** 53 - 1), 2 ** 53 - 1]),
    encodeTimestampBlock([T0, T0 + 1000, T0 + 1500, T0 + 1400]),
    encodeTimestampBlock(
      Array.from({ length: 3000 }, (_, i) => T0 + i * 1000 + [0, 3, 0, 0, 250, 9, 0][i % 7]!),
    ),
  ];

  function fails(bytes: Uint8Array): void {
    let err: unknown;
    try {
      decodeTimestampBlock(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BlockCorruptError);
    expect((err as BlockCorruptError).code).toBe('ZTSDB_BLOCK_CORRUPT');
  }

  it('every truncation fails with BlockCorruptError', () => {
    expect(blocks.map(blockTag)).toEqual([
      expect.stringMatching(/^ts-(delta|dod)/),
      'ts-const-step',
      expect.stringMatching(/^ts-plain/),
      'ts-plain',
      expect.stringMatching(/^ts-(delta|dod)$/),
      expect.stringMatching(/\+/),
    ]);
    for (const b of blocks) for (let len = 0; len < b.length; len++) fails(b.subarray(0, len));
  });

  it('refuses trailing bytes, wrong-kind tags, unknown tags and absurd counts', () => {
    for (const b of blocks) fails(Uint8Array.from([...b, 0]));
    fails(Uint8Array.of(0x11, 1, 0, 0, 0, 0, 0, 0, 0, 0)); // a value tag
    fails(Uint8Array.of(0x3f, 1));
    fails(Uint8Array.of(0xc1, 1));
    fails(Uint8Array.of(0x00, 0)); // empty tag with bytes after it
    // const step claiming 2,000,000 points (above the cap) in 12 bytes
    fails(Uint8Array.of(0x01, 0x80, 0x89, 0x7a, 0, 0, 0, 0, 0, 0, 0, 0, 2));
    // delta claiming 1,000,000 points with 10 bytes of payload: refused before allocating
    fails(Uint8Array.of(0x02, 0xc0, 0x84, 0x3d, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2));
    // const step running past 2^53
    fails(Uint8Array.of(0x01, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00, 0x02));
  });

  it('random garbage only ever raises BlockCorruptError', () => {
    const g = rng(77);
    for (let k = 0; k < 3000; k++) {
      const len = 1 + Math.floor(g() * 40);
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(g() * 256));
      bytes[0] = [0x01, 0x02, 0x03, 0x04, 0x82, 0x83][k % 6]!;
      try {
        const out = decodeTimestampBlock(bytes);
        for (const x of out) expect(Number.isSafeInteger(x)).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(BlockCorruptError);
      }
    }
  });
});
