import { BitReader } from './bit-reader';
import { BitWriter } from './bit-writer';
import { ChunkCorruptError } from './errors';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('BitWriter / BitReader', () => {
  it('writes most significant bit first, zero-padded', () => {
    const w = new BitWriter(1);
    w.writeBit(1);
    w.writeBits(0b01, 2);
    w.writeBits(0xabc, 12);
    expect(w.bitLength).toBe(15);
    const out = new Uint8Array(w.byteLength);
    w.copyTo(out, 0);
    expect(Buffer.from(out).toString('hex')).toBe('b578');
  });

  it('round-trips random field widths 1..32 across many words (and grows)', () => {
    const r = rng(1);
    const widths: number[] = [];
    const vals: number[] = [];
    const w = new BitWriter(4);
    for (let i = 0; i < 5000; i++) {
      const n = 1 + Math.floor(r() * 32);
      const v = n === 32 ? Math.floor(r() * 4294967296) : Math.floor(r() * 2 ** n);
      widths.push(n);
      vals.push(v);
      if (n === 1 && i % 2) w.writeBit(v);
      else w.writeBits(v, n);
    }
    const out = new Uint8Array(w.byteLength + 3);
    expect(w.copyTo(out, 3)).toBe(w.byteLength);
    const rd = new BitReader(out, 3, out.length);
    for (let i = 0; i < widths.length; i++) {
      const got = widths[i] === 1 && i % 2 ? rd.readBit() : rd.readBits(widths[i]!);
      if (got !== vals[i]) throw new Error(`field ${i}: ${got} !== ${vals[i]}`);
    }
    expect(rd.bitsLeft).toBeLessThan(8);
    expect(rd.atPaddedEnd()).toBe(true);
  });

  it('throws ChunkCorruptError instead of reading past the end', () => {
    const rd = new BitReader(new Uint8Array([0xff, 0x01]));
    expect(rd.readBits(12)).toBe(0xff0);
    expect(() => rd.readBits(5)).toThrow(ChunkCorruptError);
    const rd2 = new BitReader(new Uint8Array(0));
    expect(() => rd2.readBit()).toThrow(ChunkCorruptError);
  });
});
