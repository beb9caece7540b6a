import { crc32c } from './crc32c';

describe('crc32c', () => {
  it('matches the RFC 3720 check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
  it('matches RFC 3720 test vectors (32 zero bytes, 32 0xff bytes, ascending)', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
  });
  it('is the same computed in pieces with a seed', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff);
    const whole = crc32c(data);
    expect(crc32c(data, 0, 1000)).toBe(whole);
    expect(crc32c(data, 333, 1000, crc32c(data, 0, 333))).toBe(whole);
  });
  it('matches a bit-at-a-time reference at every alignment and length around the word path', () => {
    const ref = (b: Uint8Array, start: number, end: number): number => {
      let c = ~0 >>> 0;
      for (let i = start; i < end; i++) {
        c ^= b[i]!;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 167 + 13) & 0xff);
    for (let off = 0; off < 9; off++) {
      const view = data.subarray(off);
      for (const len of [0, 7, 8, 63, 64, 65, 71, 72, 200, 291 - off]) {
        expect(crc32c(view, 0, len)).toBe(ref(view, 0, len));
        expect(crc32c(data, off, off + len)).toBe(ref(data, off, off + len));
      }
    }
  });
  it('of nothing is zero', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
});
