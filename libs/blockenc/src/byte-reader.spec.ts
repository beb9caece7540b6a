import { mulberry32 as rng } from '@ztsdb/synthetic';
import { ByteReader } from './byte-reader';
import { ByteWriter } from './byte-writer';

describe('ByteReader.zigzag', () => {
  it('reads back what ByteWriter.zigzag wrote, at the bounds of |v| ≤ 2^52 and between', () => {
    const r = rng(5);
    const values = [0, -1, 1, -2, 2, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 52, -(2 ** 52)];
    values.push(2 ** 52 - 1, -(2 ** 52) + 1, 2 ** 53 / 4 + 1, -(2 ** 53 / 4) - 1);
    for (let i = 0; i < 2000; i++) {
      const v = Math.floor(r() * 2 ** (1 + Math.floor(r() * 52)));
      values.push(r() < 0.5 ? -v : v);
    }
    const w = new ByteWriter();
    for (const v of values) w.zigzag(v);
    const bytes = w.result();
    const p = new ByteReader(bytes, 0, bytes.length);
    for (const v of values) expect(p.zigzag()).toBe(v === 0 ? 0 : v);
    expect(p.pos).toBe(bytes.length);
  });
});
