import { crc32, crc32Portable, CRC32_NATIVE } from './crc32';
import { crc32c } from './crc32c';

describe('crc32', () => {
  it('matches the IEEE check value for "123456789" (native and portable)', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Portable(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
  it('runs natively on this Node (20.15+)', () => {
    expect(CRC32_NATIVE).toBe(true);
  });
  it('is not CRC-32C', () => {
    expect(crc32(Buffer.from('123456789'))).not.toBe(crc32c(Buffer.from('123456789')));
  });
  it('agrees with the portable loop on ranges, seeds and lengths around byte boundaries', () => {
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 167 + 13) & 0xff);
    for (const [a, b] of [
      [0, 0],
      [0, 1],
      [3, 8],
      [1, 4999],
      [0, 5000],
    ] as const) {
      expect(crc32(data, a, b)).toBe(crc32Portable(data.subarray(a, b)));
    }
    const whole = crc32(data);
    expect(crc32(data, 1234, 5000, crc32(data, 0, 1234))).toBe(whole);
    expect(crc32Portable(data.subarray(1234), crc32Portable(data.subarray(0, 1234)))).toBe(whole);
  });
  it('of nothing is zero', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
