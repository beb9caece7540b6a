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
  it('of nothing is zero', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
});
