import { BlockCorruptError, blockTag, decodeValueBlock, encodeValueBlock } from './index';
import { TAG_VAL_SCALED } from './block-format';
import { frameBlock } from './block-frame';
import { ByteWriter } from './byte-writer';
import { toDecimal } from './decimal';
import {
  SCALED_LAYOUT_PLANES,
  SCALED_LAYOUT_VARINT,
  SCALED_MODE_DOD,
  SCALED_MODE_OFFSET,
  scaledCandidates,
} from './scaled-decimal';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) throw new Error(`[${i}] ${a[i]} !== ${b[i]}`);
};

/** Every candidate (3 modes in byte planes + one varint form) decodes to the input. */
function allCandidatesRoundTrip(vs: number[]): Uint8Array[] {
  const dec = toDecimal(vs, 0, vs.length)!;
  expect(dec).not.toBeNull();
  const cands = scaledCandidates(dec);
  expect(cands).toHaveLength(4);
  for (const c of cands) {
    expect(blockTag(c)).toMatch(/^val-decimal-scaled/);
    same(decodeValueBlock(c), vs);
  }
  return cands;
}

describe('scaled-decimal value blocks', () => {
  const r = rng(5);

  it('round-trips page-sized byte counts (scale 4096), percentages, negatives and edges in every mode', () => {
    let mem = 300 * 2 ** 20;
    allCandidatesRoundTrip(
      Array.from({ length: 3600 }, () => (mem += Math.round((r() - 0.5) * 64) * 4096)),
    );
    allCandidatesRoundTrip(Array.from({ length: 1000 }, () => Math.round(r() * 10000) / 100));
    allCandidatesRoundTrip(Array.from({ length: 500 }, () => Math.round((r() - 0.5) * 1e6) * 7));
    allCandidatesRoundTrip([0, 0]);
    allCandidatesRoundTrip([2 ** 50, -(2 ** 50)]);
    allCandidatesRoundTrip([0.001, 0.000003, 123.456]);
    allCandidatesRoundTrip([5, 5, 5, 6]);
  });

  it('is chosen for page-sized data and beats the plain decimal forms there', () => {
    let mem = 300 * 2 ** 20;
    const vs = Array.from({ length: 3600 }, () => (mem += Math.round((r() - 0.5) * 64) * 4096));
    const block = encodeValueBlock(vs);
    // Packed decimals (readable by index) are kept when within a quarter of the smallest.
    expect(blockTag(block)).toMatch(/^val-decimal-(scaled|packed)/);
    same(decodeValueBlock(block), vs);
    expect(block.length / vs.length).toBeLessThan(1.3);
  });

  it('matches golden bytes: offset mode, byte planes, scale 4096', () => {
    // 4096, 8192, 12288 → m = 1, 2, 3, base 2 → zigzag 1, 0, 2 in one plane.
    const block = frameBlock(
      TAG_VAL_SCALED,
      3,
      Uint8Array.of(SCALED_MODE_OFFSET | (SCALED_LAYOUT_PLANES << 4), 0, 0x80, 0x20, 4, 1, 1, 0, 2),
      false,
    );
    expect(Buffer.from(block).toString('hex')).toBe('1603' + '1000802004' + '01' + '010002');
    same(decodeValueBlock(block), [4096, 8192, 12288]);
  });

  function scaledBlock(bytes: number[], count: number): Uint8Array {
    const w = new ByteWriter(bytes.length);
    for (const b of bytes) w.byte(b);
    return frameBlock(TAG_VAL_SCALED, count, w.result(), false);
  }

  it('refuses bad modes, layouts, exponents, scales, plane counts and short planes', () => {
    const planes = SCALED_LAYOUT_PLANES << 4;
    const bad: [number[], number][] = [
      [[3, 0, 1, 0, 0, 0], 2], // mode 3
      [[0x20, 0, 1, 0, 0, 0], 2], // layout 2
      [[planes, 16, 1, 0, 1, 0, 0], 2], // exponent 16
      [[planes, 0, 0, 0, 1, 0, 0], 2], // scale 0
      [[planes, 0, 1, 0, 8, 0, 0], 2], // 8 planes
      [[planes, 0, 1, 0, 2, 0, 0, 0], 2], // 2 planes need 4 bytes
      [[planes, 0, 1, 0, 1, 0, 0, 0], 2], // a byte too many
      [[SCALED_MODE_DOD | (SCALED_LAYOUT_VARINT << 4), 0, 1, 0, 0x80], 3], // varint cut short
    ];
    for (const [bytes, count] of bad) {
      expect(() => decodeValueBlock(scaledBlock(bytes, count))).toThrow(BlockCorruptError);
    }
  });

  it('every truncation of a real block fails with BlockCorruptError', () => {
    const vs = Array.from({ length: 300 }, () => Math.floor(r() * 50) * 4096);
    for (const c of allCandidatesRoundTrip(vs)) {
      for (let cut = 0; cut < c.length; cut++) {
        expect(() => decodeValueBlock(c.subarray(0, cut))).toThrow(BlockCorruptError);
      }
    }
  });
});
