import { mulberry32 as rng } from '@ztsdb/synthetic';
import {
  BlockCorruptError,
  blockInflates,
  blockTag,
  decodeValueBlock,
  decodeValueBlockInto,
  encodeValueBlock,
  pickPackedLaidOut,
  pickValueBlock,
  valueBlockLayoutInto,
  valueBlockLayoutLength,
  valueBlockPickable,
} from './index';
import { TAG_VAL_PACKED } from './block-format';
import { frameBlock } from './block-frame';
import { toDecimal } from './decimal';
import { MAX_PACKED_WIDTH, PACKED_FRAME, packedPayloadOf } from './packed-decimal';

const same = (a: ArrayLike<number>, b: ArrayLike<number>): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) throw new Error(`[${i}] ${a[i]} !== ${b[i]}`);
};

/** The packed block of `vs` (whatever the writer would choose). */
function packed(vs: ArrayLike<number>): Uint8Array {
  const dec = toDecimal(vs, 0, vs.length);
  expect(dec).not.toBeNull();
  return frameBlock(TAG_VAL_PACKED, vs.length, packedPayloadOf(dec!)!, false);
}

/** Every index, every 7th, one in the middle, the last: picked as decoded. */
function picksMatch(block: Uint8Array, vs: ArrayLike<number>): void {
  const n = vs.length;
  const sets = [
    Array.from({ length: n }, (_, i) => i),
    Array.from({ length: Math.ceil(n / 7) }, (_, i) => i * 7),
    [n >> 1],
    [n - 1],
  ];
  for (const set of sets) {
    // Laid out as a caller with several blocks does: indexes shifted by 1,000, output from 2.
    const idx = Uint32Array.from([0, 0, ...set.map((i) => i + 1000)]);
    const out = new Float64Array(idx.length).fill(-7);
    expect(pickValueBlock(block, idx, 2, idx.length, 1000, out)).toBe(n);
    expect(out[0]).toBe(-7);
    same(
      out.subarray(2),
      set.map((i) => vs[i]!),
    );
    if (blockTag(block) !== 'val-decimal-packed') continue;
    // The same picks from its layout, the block lying at 13 in a larger buffer (a mapped file).
    const len = valueBlockLayoutLength(block);
    const lay = new Float64Array(5 + len).fill(-9);
    expect(valueBlockLayoutInto(block, lay, 5)).toBe(n);
    expect(lay[4]).toBe(-9);
    const file = new Uint8Array(13 + block.length + 3);
    file.set(block, 13);
    const laid = new Float64Array(idx.length).fill(-7);
    pickPackedLaidOut(file, 13, lay, 5, idx, 2, idx.length, 1000, laid);
    same(laid, out);
  }
}

describe('packed-decimal value blocks', () => {
  const r = rng(11);

  it('round-trip gauges, counters, scaled and extreme integers, decoded whole and by index', () => {
    let counter = 1e9;
    let mem = 300 * 2 ** 20;
    // Delta-mode residuals at the inlined path's widest (24 bits) and past it (about 30).
    let c24 = 0;
    let c30 = 2 ** 40;
    const inputs: number[][] = [
      Array.from({ length: 3600 }, () => Math.round((20 + (r() - 0.5) * 6) * 100) / 100),
      Array.from({ length: 3600 }, () => (counter += Math.round(r() * 5000))),
      Array.from({ length: 1000 }, () => (mem += Math.round((r() - 0.5) * 64) * 4096)),
      Array.from({ length: 300 }, () => Math.round((r() - 0.5) * 2 ** 50)),
      Array.from({ length: 700 }, () => (c24 += Math.floor(r() * 2 ** 24))),
      Array.from({ length: 700 }, () => (c30 += Math.floor(r() * 2 ** 30))),
      [2 ** 50, -(2 ** 50), 0, 2 ** 50],
      [0.001, 0.000003, 123.456],
      [5],
      Array.from({ length: PACKED_FRAME }, (_, i) => i),
      Array.from({ length: PACKED_FRAME + 1 }, (_, i) => 5 - i * 3),
      Array.from({ length: 2 * PACKED_FRAME - 1 }, () => 42),
    ];
    for (const vs of inputs) {
      const b = packed(vs);
      expect(blockTag(b)).toBe('val-decimal-packed');
      expect(valueBlockPickable(b)).toBe(true);
      expect(blockInflates(b)).toBe(false);
      same(decodeValueBlock(b), vs);
      const into = new Float64Array(vs.length + 2).fill(9);
      expect(decodeValueBlockInto(b, into)).toBe(vs.length);
      same(into.subarray(0, vs.length), vs);
      expect(into[vs.length]).toBe(9);
      picksMatch(b, vs);
    }
  });

  it('uses delta mode for counters, offset mode for gauges', () => {
    let c = 0;
    const counter = Array.from({ length: 1000 }, () => (c += 1000 + Math.round(r() * 10)));
    const gauge = Array.from({ length: 1000 }, () => Math.round(r() * 1000));
    expect(packed(counter)[3]).toBe(1); // after tag 17 and the count (2 bytes): the mode
    expect(packed(gauge)[3]).toBe(0);
    // Deltas 1000..1010 over their minimum fit 4 bits: about half a byte a point.
    expect(packed(counter).length).toBeLessThan(600);
  });

  it('is what the writer keeps for decimal gauges, and picks from other encodings too', () => {
    const gauge = Array.from({ length: 3600 }, () => Math.round((2 + r() * 0.3) * 100) / 100);
    const b = encodeValueBlock(gauge);
    expect(blockTag(b)).toBe('val-decimal-packed');
    same(decodeValueBlock(b), gauge);
    const others: number[][] = [
      Array.from({ length: 500 }, (_, i) => Math.sin(i) / 3), // XOR
      Array.from({ length: 500 }, () => 0.25), // constant
      [NaN, -0, Infinity, 1.5],
    ];
    for (const vs of others) {
      const ob = encodeValueBlock(vs);
      expect(blockTag(ob)).not.toMatch(/packed/);
      picksMatch(ob, vs);
    }
    for (const vs of others) {
      // No layout for any other encoding: nothing written.
      const lay = new Float64Array(8).fill(-9);
      expect(valueBlockLayoutLength(encodeValueBlock(vs))).toBe(0);
      expect(valueBlockLayoutInto(encodeValueBlock(vs), lay, 0)).toBe(0);
      same(lay, new Float64Array(8).fill(-9));
    }
    expect(valueBlockPickable(encodeValueBlock(others[1]!))).toBe(true);
    expect(valueBlockPickable(Uint8Array.of(0))).toBe(true);
    expect(valueBlockPickable(new Uint8Array(0))).toBe(false);
  });

  it('is kept over a smaller block only within the slack the writer is given', () => {
    const gauge = Array.from({ length: 3600 }, () => Math.round((2 + r() * 0.3) * 100) / 100);
    const packedBytes = packed(gauge).length;
    const strict = encodeValueBlock(gauge, 0, gauge.length, 1);
    // On these values the packed block is not the smallest: a slack of 1 leaves it out.
    expect(blockTag(strict)).not.toMatch(/packed/);
    expect(strict.length).toBeLessThan(packedBytes);
    same(decodeValueBlock(strict), gauge);
    const slack = packedBytes / strict.length;
    expect(blockTag(encodeValueBlock(gauge, 0, gauge.length, slack + 0.01))).toBe(
      'val-decimal-packed',
    );
    expect(blockTag(encodeValueBlock(gauge, 0, gauge.length, slack - 0.01))).not.toMatch(/packed/);
  });

  it('lays out bytes as docs/format/block.md says (golden block)', () => {
    // 1.5, 1.25, 1.75: e = 2, m = 150, 125, 175, g = 25, n = 6, 5, 7; offset mode (base 5,
    // residuals 1, 0, 2 in 2 bits: 0b10_00_01 = 0x21) is 1 byte shorter than delta mode.
    const b = packed([1.5, 1.25, 1.75]);
    expect(Buffer.from(b).toString('hex')).toBe(
      [
        '17', // val-decimal-packed, uncompressed
        '03', // count 3
        '00', // mode 0 (offset)
        '02', // e = 2
        '19', // g = 25
        '02', // frame 0: 2-bit residuals
        '0a', // zigzag(base 5)
        '21', // residuals 1, 0, 2 from the lowest bits up
      ].join(''),
    );
    same(decodeValueBlock(b), [1.5, 1.25, 1.75]);
  });

  it('refuses damaged blocks with BlockCorruptError, never more than it holds', () => {
    const vs = Array.from({ length: 300 }, (_, i) => (i * 37) % 101);
    const good = packed(vs);
    const bad = (mutate: (b: Uint8Array) => Uint8Array): unknown => {
      const b = mutate(good.slice());
      try {
        decodeValueBlock(b);
      } catch (e) {
        return e;
      }
      return null;
    };
    expect(bad((b) => ((b[3] = 2), b))).toBeInstanceOf(BlockCorruptError); // mode 2
    expect(bad((b) => ((b[4] = 16), b))).toBeInstanceOf(BlockCorruptError); // e = 16
    expect(bad((b) => ((b[5] = 0), b))).toBeInstanceOf(BlockCorruptError); // g = 0
    expect(bad((b) => ((b[6] = MAX_PACKED_WIDTH + 1), b))).toBeInstanceOf(BlockCorruptError);
    expect(bad((b) => b.subarray(0, b.length - 1))).toBeInstanceOf(BlockCorruptError); // short
    expect(bad((b) => Uint8Array.from([...b, 0]))).toBeInstanceOf(BlockCorruptError); // long
    // A block of 10 points claiming 1,000,000: refused before any allocation for them.
    expect(() =>
      decodeValueBlock(Uint8Array.from([0x17, 0xc0, 0x84, 0x3d, 0, 0, 1, 0, 0])),
    ).toThrow(BlockCorruptError);
    const idx = Uint32Array.of(0, 300);
    expect(() => pickValueBlock(good, idx, 0, 2, 0, new Float64Array(2))).toThrow(
      /outside the block/,
    );
    // Laying out checks the block whole, as a pick does: short, long, or a bad frame width.
    const lay = new Float64Array(valueBlockLayoutLength(good));
    for (const b of [
      good.subarray(0, good.length - 1),
      Uint8Array.from([...good, 0]),
      Uint8Array.from(good, (x, i) => (i === 6 ? MAX_PACKED_WIDTH + 1 : x)),
    ])
      expect(() => valueBlockLayoutInto(b, lay, 0)).toThrow(BlockCorruptError);
  });

  it('every truncation and every single-byte change decodes or throws BlockCorruptError', () => {
    const vs = Array.from({ length: 200 }, (_, i) => Math.round(Math.sin(i) * 1e4) / 100);
    const good = packed(vs);
    const idx = Uint32Array.from({ length: 20 }, (_, i) => i * 10);
    const out = new Float64Array(20);
    const tryAll = (b: Uint8Array): void => {
      const layout = (): void => {
        const lay = new Float64Array(Math.max(0, valueBlockLayoutLength(b)));
        // A block it lays out is one pickValueBlock reads whole too, and picks the same.
        if (valueBlockLayoutInto(b, lay, 0) !== 200) return;
        const laid = new Float64Array(20);
        pickPackedLaidOut(b, 0, lay, 0, idx, 0, 20, 0, laid);
        pickValueBlock(b, idx, 0, 20, 0, out);
        same(laid, out);
      };
      for (const f of [
        () => decodeValueBlock(b),
        () => pickValueBlock(b, idx, 0, 20, 0, out),
        layout,
      ]) {
        try {
          f();
        } catch (e) {
          if (!(e instanceof BlockCorruptError)) throw e;
        }
      }
    };
    for (let len = 0; len < good.length; len++) tryAll(good.subarray(0, len));
    for (let i = 0; i < good.length; i++)
      for (const x of [0, 1, 0x7f, 0x80, 0xff]) {
        const b = good.slice();
        b[i] = x;
        tryAll(b);
      }
  });
});
