import { randomBytes } from 'node:crypto';
import { ByteKeyTable } from './byte-key-table';

/** `n` random keys of 0..maxLen bytes laid end to end in one buffer, some repeated. */
function keys(n: number, maxLen: number): { buf: Buffer; at: Array<[number, number]> } {
  const parts: Buffer[] = [];
  const at: Array<[number, number]> = [];
  let o = 0;
  for (let i = 0; i < n; i++) {
    const b =
      i > 0 && i % 7 === 0 ? parts[i >>> 1]! : randomBytes(Math.floor(Math.random() * maxLen));
    parts.push(b);
    at.push([o, o + b.length]);
    o += b.length;
  }
  return { buf: Buffer.concat(parts), at };
}

describe('ByteKeyTable', () => {
  it('agrees with a Map of the same keys through growth, at any offset of any buffer', () => {
    const { buf, at } = keys(5000, 40);
    const t = new ByteKeyTable(16);
    const m = new Map<string, number>();
    at.forEach(([s, e], i) => {
      const k = buf.toString('hex', s, e);
      if (i % 3 === 0) {
        t.set(buf, s, e, i);
        m.set(k, i);
      }
      expect(t.get(buf, s, e)).toBe(m.get(k) ?? -1);
    });
    expect(t.size).toBe(m.size);
    // The same bytes elsewhere (another buffer, another offset) find the same values.
    const copy = Buffer.concat([Buffer.from([1, 2, 3]), buf]);
    for (const [s, e] of at)
      expect(t.get(copy, s + 3, e + 3)).toBe(m.get(buf.toString('hex', s, e)) ?? -1);
  });

  it('answers the same whether keys come in the order seen before or another', () => {
    const { buf, at } = keys(300, 30);
    const t = new ByteKeyTable(16);
    const m = new Map<string, number>();
    at.forEach(([s, e], i) => {
      if (t.get(buf, s, e) < 0) t.set(buf, s, e, i);
      if (!m.has(buf.toString('hex', s, e))) m.set(buf.toString('hex', s, e), i);
    });
    const orders = [at, at, [...at].reverse(), at.filter((_, i) => i % 3 !== 1), at];
    for (const order of orders)
      for (const [s, e] of order) expect(t.get(buf, s, e)).toBe(m.get(buf.toString('hex', s, e)));
    // A key that follows a known one but is not itself known.
    const other = Buffer.concat([buf.subarray(at[1]![0], at[1]![1]), Buffer.from([0xff])]);
    expect(t.get(buf, at[0]![0], at[0]![1])).toBe(0);
    expect(t.get(other, 0, other.length)).toBe(-1);
    expect(t.get(buf, at[1]![0], at[1]![1])).toBe(m.get(buf.toString('hex', at[1]![0], at[1]![1])));
  });

  it('tells apart keys that differ in one byte, in length, or only by a trailing zero', () => {
    const t = new ByteKeyTable();
    const a = Buffer.from('__name__=up,job=node');
    const b = Buffer.from('__name__=up,job=nodf');
    const c = Buffer.concat([a, Buffer.from([0])]);
    t.set(a, 0, a.length, 1);
    expect(t.get(b, 0, b.length)).toBe(-1);
    expect(t.get(c, 0, c.length)).toBe(-1);
    expect(t.get(a, 0, a.length - 1)).toBe(-1);
    t.set(c, 0, c.length, 2);
    t.set(a, 0, a.length, 3); // overwrite, not a second entry
    expect([t.get(a, 0, a.length), t.get(c, 0, c.length), t.size]).toEqual([3, 2, 2]);
  });

  it('holds the empty key and keys longer than its arena, and forgets all on clear', () => {
    const t = new ByteKeyTable(16);
    const big = randomBytes(100_000);
    t.set(big, 5, 5, 7);
    t.set(big, 0, big.length, 8);
    expect(t.get(Buffer.alloc(0), 0, 0)).toBe(7);
    expect(t.get(Buffer.from(big), 0, big.length)).toBe(8);
    expect(t.bytes).toBe(big.length);
    t.clear();
    expect([t.size, t.bytes, t.get(big, 0, big.length), t.get(big, 5, 5)]).toEqual([0, 0, -1, -1]);
    t.set(big, 1, 9, 1);
    expect(t.get(big, 1, 9)).toBe(1);
  });

  it('refuses ranges outside the buffer and values it cannot hold', () => {
    const t = new ByteKeyTable();
    const b = Buffer.from('abc');
    expect(() => t.get(b, 1, 4)).toThrow(RangeError);
    expect(() => t.get(b, -1, 2)).toThrow(RangeError);
    expect(() => t.get(b, 2, 1)).toThrow(RangeError);
    expect(() => t.set(b, 0, 3, -1)).toThrow(RangeError);
    expect(() => t.set(b, 0, 3, 2 ** 31)).toThrow(RangeError);
    expect(t.size).toBe(0);
  });
});
