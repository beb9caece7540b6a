import { BlockCorruptError, blockTag, decodeValueBlock, encodeValueBlock } from './index';
import { TAG_TS_DELTA } from './block-format';
import { frameBlock, openBlock } from './block-frame';

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
const fromBits = (hex: string): number => Buffer.from(hex, 'hex').readDoubleBE(0);

function roundTrip(vs: ArrayLike<number>): Uint8Array {
  const block = encodeValueBlock(vs);
  const got = decodeValueBlock(block);
  expect(got.length).toBe(vs.length);
  for (let i = 0; i < vs.length; i++) {
    if (bitsOf(got[i]!) !== bitsOf(vs[i]!))
      throw new Error(`v[${i}] ${got[i]} !== ${vs[i]} (${blockTag(block)})`);
  }
  return block;
}

describe('value blocks', () => {
  const r = rng(17);

  it('uses constant for a constant series, bit-exact (NaN payload, -0)', () => {
    expect(Buffer.from(encodeValueBlock([2.5, 2.5, 2.5])).toString('hex')).toBe(
      '1003' + '0000000000000440',
    );
    for (const v of [0, -0, NaN, fromBits('7ff0000000000123'), Infinity, 1e300]) {
      expect(blockTag(roundTrip([v, v, v, v]))).toBe('val-const');
    }
    expect(blockTag(roundTrip([7]))).toBe('val-const');
    expect(blockTag(roundTrip(new Float64Array(100_000).fill(3)))).toBe('val-const');
  });

  it('uses decimal integers for counters, with e = 0', () => {
    let c = 1_000_000;
    const counter = Array.from({ length: 3600 }, () => (c += Math.floor(r() * 5000)));
    const block = roundTrip(counter);
    expect(blockTag(block)).toMatch(/^val-decimal-(delta|dod|scaled|packed)/);
    const allowed = new Set([0x12, 0x13, 0x14, 0x16, 0x17]);
    const opened = openBlock(block, allowed, 'value');
    if (opened.encoding === 0x16 || opened.encoding === 0x17) opened.payload.byte(); // mode
    expect(opened.payload.byte()).toBe(0); // exponent
    let s = 0;
    const swinging = Array.from({ length: 3600 }, (_, i) => (s += i % 4 === 3 ? 30_000 : 1));
    expect(blockTag(roundTrip(swinging))).toMatch(/^val-decimal-(delta|scaled)/);
    const steady = Array.from({ length: 3000 }, (_, i) => 5_000_000 + i * 1234);
    expect(blockTag(roundTrip(steady))).toMatch(/^val-decimal-(dod|scaled)/);
  });

  it('uses decimal for 2-decimal percentages and stays well under 2 bytes/value', () => {
    let level = 40;
    const pct = Array.from({ length: 3600 }, () => {
      level = Math.min(100, Math.max(0, level + (r() - 0.5) * 2));
      return Math.round(level * 100) / 100;
    });
    const block = roundTrip(pct);
    expect(blockTag(block)).toMatch(/^val-decimal/);
    expect(block.length / pct.length).toBeLessThan(2);
    expect(blockTag(roundTrip([0.1, 0.25, 12.5, 99.99, 0]))).toMatch(/^val-decimal/);
    // Golden bytes (docs/format/block.md): tag 13, count 3, e = 2, 1250, +25, +25.
    expect(Buffer.from(encodeValueBlock([12.5, 12.75, 13])).toString('hex')).toBe('130302c4133232');
  });

  it('uses XOR or plain for random floats and keeps every bit', () => {
    const random = Array.from({ length: 2000 }, () => (r() - 0.5) * 1e6);
    expect(blockTag(roundTrip(random))).toMatch(/^val-(xor|plain)/);
    const slow = Array.from({ length: 2000 }, (_, i) => Math.sin(i / 100) * 3 + 1 / 3);
    expect(blockTag(roundTrip(slow))).toMatch(/^val-(xor|plain)/);
    const noise = Array.from({ length: 500 }, () =>
      fromBits(
        Math.floor(r() * 2 ** 32)
          .toString(16)
          .padStart(8, '0') +
          Math.floor(r() * 2 ** 32)
            .toString(16)
            .padStart(8, '0'),
      ),
    );
    expect(blockTag(roundTrip(noise))).toBe('val-plain');
  });

  it('sends NaN, -0 and ±Inf mixes down a lossless path', () => {
    const mix = [1, 2, NaN, -0, 3, Infinity, -Infinity, 0, fromBits('fff8000000000001'), 4.5, -0];
    const block = roundTrip(mix);
    expect(blockTag(block)).toMatch(/^val-(xor|plain)/);
    roundTrip([0.5, -0]);
    roundTrip([-0, 0]);
    roundTrip([0.1 + 0.2, 0.3]); // 0.30000000000000004 is not a short decimal
    roundTrip([1e-300, 5e-324, 2 ** 60, -(2 ** 51) - 1]);
    roundTrip([123456789.123456, 1.000000000000001, 1e15 + 0.5]);
  });

  it('round-trips mostly-zero rates compactly', () => {
    const rate = Array.from({ length: 3600 }, () => (r() < 0.03 ? Math.floor(r() * 200_000) : 0));
    const block = roundTrip(rate);
    expect(block.length / rate.length).toBeLessThan(0.4);
  });

  it('handles 0 and 1 values, start/end, and a large count', () => {
    expect(Array.from(encodeValueBlock([]))).toEqual([0]);
    expect(decodeValueBlock(Uint8Array.of(0)).length).toBe(0);
    expect(Array.from(decodeValueBlock(encodeValueBlock([5, 6, 7, 8], 1, 3)))).toEqual([6, 7]);
    const big = new Float64Array(1_000_000);
    for (let i = 0; i < big.length; i++) big[i] = Math.round(r() * 1000) / 10;
    roundTrip(big);
  });
});

describe('value blocks: a second compression pass (the cold writer)', () => {
  // Bursty integer rates, mostly zero: what the decimal encoding plus brotli carries.
  const r = (
    (s) => () =>
      (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32
  )(7);
  const rates = Float64Array.from({ length: 3600 }, () =>
    r() < 0.75 ? 0 : Math.round(Math.exp(6 + 2 * r())),
  );

  it('is smaller at a higher quality, same encoding and values', () => {
    const once = encodeValueBlock(rates, 0, rates.length, 1);
    const twice = encodeValueBlock(rates, 0, rates.length, 1, 10);
    expect(blockTag(twice)).toBe(blockTag(once));
    expect(blockTag(once)).toMatch(/\+brotli$/);
    expect(twice.length).toBeLessThan(once.length * 0.97);
    expect(decodeValueBlock(twice)).toEqual(rates);
    // The default quality is the single pass.
    expect(encodeValueBlock(rates, 0, rates.length, 1, 5)).toEqual(once);
  });

  it('leaves blocks that are not compressed alone, and refuses a quality brotli has not', () => {
    const small = Float64Array.of(1, 2, 3);
    expect(encodeValueBlock(small, 0, 3, 1, 11)).toEqual(encodeValueBlock(small, 0, 3, 1));
    for (const q of [-1, 12, 7.5])
      expect(() => encodeValueBlock(small, 0, 3, 1, q)).toThrow(RangeError);
  });
});

describe('block framing', () => {
  it('drops compression when it does not pay', () => {
    const g = rng(8);
    const noise = Uint8Array.from({ length: 400 }, () => Math.floor(g() * 256));
    const block = frameBlock(TAG_TS_DELTA, 300, noise);
    expect(block[0]).toBe(TAG_TS_DELTA);
    expect(block.length).toBe(3 + noise.length);
    const zeros = new Uint8Array(400);
    const packed = frameBlock(TAG_TS_DELTA, 300, zeros);
    expect(packed[0]! >>> 6).not.toBe(0);
    expect(packed.length).toBeLessThan(30);
    const opened = openBlock(packed, new Set([TAG_TS_DELTA]), 'test');
    expect(opened.payload.left).toBe(400);
  });
});

describe('value block corruption', () => {
  const r = rng(31);
  let level = 10;
  const blocks = [
    encodeValueBlock([1.5, 1.5]),
    encodeValueBlock(
      Array.from({ length: 200 }, () => (level = Math.round((level + r() - 0.5) * 100) / 100)),
    ),
    encodeValueBlock(Array.from({ length: 50 }, () => r() * 1000)),
    encodeValueBlock([NaN, 1, -0, 2, 3]),
    encodeValueBlock(Array.from({ length: 3000 }, (_, i) => (i % 10 === 0 ? 12345 : 0))),
    encodeValueBlock(Array.from({ length: 100 }, (_, i) => i * 7)),
  ];

  function fails(bytes: Uint8Array): void {
    let err: unknown;
    try {
      decodeValueBlock(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BlockCorruptError);
  }

  it('every truncation and an extra byte fail with BlockCorruptError', () => {
    const tags = blocks.map(blockTag);
    expect(tags.some((t) => t.startsWith('val-xor'))).toBe(true);
    expect(tags.some((t) => t.includes('+'))).toBe(true);
    expect(tags.some((t) => t.startsWith('val-decimal'))).toBe(true);
    for (const b of blocks) {
      for (let len = 0; len < b.length; len++) fails(b.subarray(0, len));
      fails(Uint8Array.from([...b, 0]));
    }
  });

  it('refuses timestamp tags, bad exponents, lying lengths and absurd counts', () => {
    fails(Uint8Array.of(0x01, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    fails(Uint8Array.of(0x12, 2, 16, 0, 0)); // exponent 16
    fails(Uint8Array.of(0x15, 0xc0, 0x84, 0x3d, 1, 2, 3)); // 1,000,000 plain values in 3 bytes
    fails(Uint8Array.of(0x10, 0xc1, 0x84, 0x3d, 0, 0, 0, 0, 0, 0, 0, 0)); // count above the cap
    fails(Uint8Array.of(0x90, 1, 9, 1, 2, 3)); // compressed, garbage stream
    fails(Uint8Array.of(0x90, 1, 0xff, 0xff, 0x3f, 1, 2, 3)); // uncompressed length too large
    fails(Uint8Array.of(0x11, 2, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xc0)); // XOR window reuse before any window
  });

  it('random garbage only ever raises BlockCorruptError', () => {
    const g = rng(78);
    for (let k = 0; k < 3000; k++) {
      const len = 1 + Math.floor(g() * 48);
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(g() * 256));
      bytes[0] = [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x91, 0x93][k % 8]!;
      try {
        decodeValueBlock(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(BlockCorruptError);
      }
    }
  });
});
