import {
  compactChunk,
  decodeChunk,
  decodeChunkInto,
  encodeChunk,
  encodeChunkCompact,
} from './chunk-codec';
import { encodePackedChunk } from './packed-chunk';
import { XorIterator } from './xor-iterator';

/** Prometheus's staleness marker (a signalling NaN) and other NaNs whose payloads must survive. */
const MARKERS = [
  0x7ff0000000000002n,
  0x7ff8000000000002n,
  0xfff0000000000001n,
  0x7ff8000000000000n,
];

/** Values in a Float64Array (a plain array would let V8 quieten a signalling NaN). */
function values(n: number, at: number[], bits: bigint): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = 10 + i;
  const w = new BigUint64Array(v.buffer);
  for (const i of at) w[i] = bits;
  return v;
}

const bitsOf = (a: Float64Array): bigint[] =>
  Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length));
const ts = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => 1e12 + i * 1000);

describe.each(MARKERS.map((b) => [`0x${b.toString(16)}`, b] as const))('NaN %s', (_, bits) => {
  const cases: Array<[string, number[], number]> = [
    ['first point', [0], 20],
    ['middle point', [7], 20],
    ['last point (a gone series)', [19], 20],
    ['runs of it', [3, 4, 5, 9], 20],
    ['only point', [0], 1],
  ];

  it.each(cases)('keeps its exact bits in a Gorilla chunk: %s', (_c, at, n) => {
    const v = values(n, at, bits);
    const chunk = encodeChunk(ts(n), v);
    expect(bitsOf(decodeChunk(chunk).values)).toEqual(bitsOf(v));
    const into = new Float64Array(n);
    decodeChunkInto(chunk, new Float64Array(n), into);
    expect(bitsOf(into)).toEqual(bitsOf(v));
    const it = new XorIterator(chunk);
    const walked = new Float64Array(n);
    for (let i = 0; it.next(); i++) walked[i] = it.v;
    expect(bitsOf(walked)).toEqual(bitsOf(v));
  });

  it.each(cases)(
    'keeps its exact bits when compacted (packed chunks take no NaN): %s',
    (_c, at, n) => {
      const v = values(n, at, bits);
      expect(encodePackedChunk(ts(n), v, 0, n)).toBeNull();
      expect(bitsOf(decodeChunk(encodeChunkCompact(ts(n), v)).values)).toEqual(bitsOf(v));
      expect(bitsOf(decodeChunk(compactChunk(encodeChunk(ts(n), v))).values)).toEqual(bitsOf(v));
    },
  );
});
