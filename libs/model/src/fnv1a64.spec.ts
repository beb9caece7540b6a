import { fnv1a64, fnv1a64Bytes, fnv1a64Reference } from './fnv1a64';

// Published FNV-1a 64-bit test vectors (Fowler/Noll/Vo reference test suite).
const VECTORS: Array<[string, bigint]> = [
  ['', 0xcbf29ce484222325n],
  ['a', 0xaf63dc4c8601ec8cn],
  ['b', 0xaf63df4c8601f1a5n],
  ['c', 0xaf63de4c8601eff2n],
  ['foo', 0xdcb27518fed9d577n],
  ['foobar', 0x85944171f73967e8n],
  ['chongo was here!\n', 0x46810940eff5f915n],
];

describe('fnv1a64', () => {
  it.each(VECTORS)('hashes %j to the published value', (text, expected) => {
    expect(fnv1a64(text)).toBe(expected);
  });

  it('fast path equals the BigInt reference on random bytes', () => {
    let seed = 12345;
    for (let n = 0; n < 200; n++) {
      const len = n % 70;
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        bytes[i] = seed >>> 24;
      }
      expect(fnv1a64Bytes(bytes)).toBe(fnv1a64Reference(bytes));
    }
  });

  it('hashes UTF-8 bytes of non-ASCII text', () => {
    expect(fnv1a64('é')).toBe(fnv1a64Reference(new Uint8Array([0xc3, 0xa9])));
  });
});
