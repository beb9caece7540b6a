import { blockTag } from './block-tag';
import { decodeValueBlock, encodeValueBlock } from './value-block';

/** Prometheus's staleness marker (a signalling NaN) and other NaNs whose payloads must survive. */
const MARKERS = [0x7ff0000000000002n, 0x7ff8000000000002n, 0xfff0000000000001n];

const bitsOf = (a: Float64Array): bigint[] =>
  Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length));

/** Values in a Float64Array with `bits` at `at` (a plain array would let V8 quieten an sNaN). */
function withBits(v: Float64Array, at: number[], bits: bigint): Float64Array {
  const w = new BigUint64Array(v.buffer);
  for (const i of at) w[i] = bits;
  return v;
}

describe.each(MARKERS.map((b) => [`0x${b.toString(16)}`, b] as const))(
  'NaN %s in a value block',
  (_, bits) => {
    const n = 500;
    const shapes: Array<[string, () => Float64Array, number[]]> = [
      ['all of it (constant)', () => new Float64Array(n), Array.from({ length: n }, (_x, i) => i)],
      ['among decimals', () => Float64Array.from({ length: n }, (_x, i) => i / 10), [0, 17, n - 1]],
      ['among counters', () => Float64Array.from({ length: n }, (_x, i) => i * 4096), [n - 1]],
      [
        'among random doubles',
        () => Float64Array.from({ length: n }, (_x, i) => Math.sin(i) * 1e6),
        [3, 4, n - 1],
      ],
    ];

    it.each(shapes)('%s', (_s, make, at) => {
      const v = withBits(make(), at, bits);
      const block = encodeValueBlock(v, 0, n);
      expect(blockTag(block)).toMatch(/^val-(const|xor|plain)/); // the encodings that can hold a NaN
      expect(bitsOf(decodeValueBlock(block))).toEqual(bitsOf(v));
    });
  },
);
