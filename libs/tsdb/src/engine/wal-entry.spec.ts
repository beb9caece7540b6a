import { decodeSampleBatch, encodeSampleBatchV2 } from '@ztsdb/wire';
import { rng } from '../testing/model';
import { WalEntryWriter } from './wal-entry';

/** A table of series ids by slot as (low, high) u32 pairs, and the same ids as BigInts. */
function idTable(n: number): { bySlot: Uint32Array; ids: bigint[] } {
  const bySlot = new Uint32Array(2 * n);
  const ids: bigint[] = [];
  for (let s = 0; s < n; s++) {
    const id = (BigInt(s + 1) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    ids.push(id);
    bySlot[2 * s] = Number(id & 0xffffffffn);
    bySlot[2 * s + 1] = Number(id >> 32n);
  }
  return { bySlot, ids };
}

/** A batch of `count` points over `series` slots at ticks that repeat and go back now and then. */
function batch(
  rand: () => number,
  series: number,
  count: number,
): { slots: Int32Array; ts: Float64Array; vs: Float64Array } {
  const slots = new Int32Array(count);
  const ts = new Float64Array(count);
  const vs = new Float64Array(count);
  let t = 1_700_000_000_000 + Math.floor(rand() * 1e6);
  for (let i = 0; i < count; i++) {
    slots[i] = Math.floor(rand() * series);
    if (rand() < 0.1) t += Math.floor(rand() * 5000) - 1000;
    ts[i] = t;
    vs[i] = rand() < 0.05 ? NaN : (rand() - 0.5) * 1e6;
  }
  return { slots, ts, vs };
}

describe('WalEntryWriter', () => {
  it('writes the bytes encodeSampleBatchV2 gives for the same batch', () => {
    const rand = rng(11);
    const { bySlot, ids } = idTable(300);
    const w = new WalEntryWriter(4096);
    for (const count of [0, 1, 2, 17, 500, 4096]) {
      const b = batch(rand, count > 1000 ? 300 : 20, count);
      const entry = w.encode(3, 0n, 77n, bySlot, b.slots, b.ts, b.vs, count);
      const col = BigUint64Array.from(b.slots, (s) => ids[s]!);
      const want = encodeSampleBatchV2(
        { partition: 3, producerId: 0n, sequence: 77n },
        col,
        b.ts,
        b.vs,
        count,
      );
      expect(Buffer.from(entry.bytes).equals(Buffer.from(want!))).toBe(true);
      const d = decodeSampleBatch(entry.bytes);
      expect(d.count).toBe(count);
      expect(Array.from(d.seriesIds)).toEqual(Array.from(col));
      expect(Array.from(d.timestamps)).toEqual(Array.from(b.ts));
      expect(Buffer.from(d.values.buffer, d.values.byteOffset, 8 * count)).toEqual(
        Buffer.from(b.vs.buffer, 0, 8 * count),
      );
      entry.done();
    }
  });

  it('keeps an entry intact while LMDB has not written it, and reuses its slab after', () => {
    const rand = rng(5);
    const { bySlot } = idTable(64);
    const w = new WalEntryWriter(4096);
    const held: { bytes: Uint8Array; copy: Buffer; done: () => void }[] = [];
    // Far more than one 1 MiB slab: entries of earlier slabs must not be overwritten while held.
    for (let k = 0; k < 60; k++) {
      const b = batch(rand, 64, 4096);
      const e = w.encode(0, 0n, BigInt(k + 1), bySlot, b.slots, b.ts, b.vs, 4096);
      expect(e.bytes.byteOffset % 8).toBe(0);
      held.push({ bytes: e.bytes, copy: Buffer.from(e.bytes), done: e.done });
    }
    for (const h of held) expect(Buffer.from(h.bytes).equals(h.copy)).toBe(true);
    const buffers = new Set(held.map((h) => h.bytes.buffer));
    for (const h of held) h.done();
    // Written out: the next entries come from slabs already seen, not new ones.
    for (let k = 0; k < 20; k++) {
      const b = batch(rand, 64, 4096);
      const e = w.encode(0, 0n, 1n, bySlot, b.slots, b.ts, b.vs, 4096);
      expect(buffers.has(e.bytes.buffer)).toBe(true);
      expect(decodeSampleBatch(e.bytes).count).toBe(4096);
      e.done();
    }
  });

  it('refuses more points than it was made for', () => {
    const { bySlot } = idTable(4);
    const w = new WalEntryWriter(8);
    const b = batch(rng(1), 4, 9);
    expect(() => w.encode(0, 0n, 1n, bySlot, b.slots, b.ts, b.vs, 9)).toThrow(RangeError);
    expect(() => new WalEntryWriter(0x10000)).toThrow(RangeError);
  });
});
