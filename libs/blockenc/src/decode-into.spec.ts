import {
  BlockCorruptError,
  blockTag,
  decodeTimestampBlock,
  decodeTimestampBlockInto,
  decodeValueBlock,
  decodeValueBlockInto,
  encodeTimestampBlock,
  encodeValueBlock,
} from './index';

const bits = (a: Float64Array): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

const N = 500;
const valueInputs: Record<string, number[]> = {
  constant: Array.from({ length: N }, () => 0.25),
  counter: Array.from({ length: N }, (_, i) => i * 17 + (i % 3)),
  percent: Array.from({ length: N }, (_, i) => Math.round(Math.sin(i) * 5000) / 100),
  floats: Array.from({ length: N }, (_, i) => Math.sin(i * 0.37) * 1e-3 + i / 7),
  specials: Array.from({ length: N }, (_, i) => [NaN, -0, Infinity, 1.5][i % 4]!),
};
const timestampInputs: Record<string, number[]> = {
  steady: Array.from({ length: N }, (_, i) => 1_700_000_000_000 + i * 1000),
  jitter: Array.from(
    { length: N },
    (_, i) => 1_700_000_000_000 + i * 1000 + (i % 17 === 0 ? 3 : 0),
  ),
  gaps: Array.from({ length: N }, (_, i) => 1_700_000_000_000 + i * i * 37),
  extremes: Array.from({ length: N }, (_, i) => (i % 2 === 0 ? 1 : -1) * (2 ** 53 - 1 - i)),
};

describe('decoding blocks into a caller’s array', () => {
  it('gives the same values as decodeValueBlock for every encoding, leaving the rest alone', () => {
    const tags = new Set<string>();
    for (const vs of Object.values(valueInputs)) {
      const block = encodeValueBlock(vs);
      tags.add(blockTag(block));
      const out = new Float64Array(N + 3).fill(7);
      expect(decodeValueBlockInto(block, out)).toBe(N);
      expect(bits(out.subarray(0, N))).toBe(bits(decodeValueBlock(block)));
      expect(Array.from(out.subarray(N))).toEqual([7, 7, 7]);
    }
    expect(tags.size).toBeGreaterThanOrEqual(4);
  });

  it('gives the same timestamps as decodeTimestampBlock for every encoding', () => {
    const tags = new Set<string>();
    for (const ts of Object.values(timestampInputs)) {
      const block = encodeTimestampBlock(ts);
      tags.add(blockTag(block));
      const out = new Float64Array(N + 1).fill(7);
      expect(decodeTimestampBlockInto(block, out)).toBe(N);
      expect(Array.from(out.subarray(0, N))).toEqual(Array.from(decodeTimestampBlock(block)));
      expect(out[N]).toBe(7);
    }
    expect(tags.size).toBeGreaterThanOrEqual(3);
  });

  it('returns 0 for an empty block and refuses a block larger than the array', () => {
    expect(decodeValueBlockInto(encodeValueBlock([]), new Float64Array(0))).toBe(0);
    expect(decodeTimestampBlockInto(encodeTimestampBlock([]), new Float64Array(0))).toBe(0);
    const small = new Float64Array(N - 1);
    expect(() => decodeValueBlockInto(encodeValueBlock(valueInputs.counter!), small)).toThrow(
      BlockCorruptError,
    );
    expect(() =>
      decodeTimestampBlockInto(encodeTimestampBlock(timestampInputs.gaps!), small),
    ).toThrow(BlockCorruptError);
  });
});
