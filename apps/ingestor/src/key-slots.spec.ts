import { Head } from '@ztsdb/tsdb';
import { decodeSampleBatch, encodeSampleBatchV3 } from '@ztsdb/wire';
import { KeySlots } from './key-slots';

const head = (): Head =>
  new Head({ partition: 0, maxChunkAgeMs: 3_600_000, outOfOrderWindowMs: 3_600_000 });

/** A decoded version 3 batch: `series` ids in one order each tick, from `skip` points in. */
function batch(producerId: bigint, series: number, ticks: number, skip = 0) {
  const n = series * ticks - skip;
  const ids = new BigUint64Array(n);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = BigInt(1000 + ((i + skip) % series));
    ts[i] = 1_700_000_000_000 + Math.floor((i + skip) / series) * 1000;
  }
  return decodeSampleBatch(
    encodeSampleBatchV3({ partition: 0, producerId, sequence: 0n }, ids, ts, vs, n),
  );
}

function expectSlotsOf(h: Head, b: ReturnType<typeof batch>, slots: Int32Array): void {
  expect(slots.length).toBe(b.count);
  for (let i = 0; i < b.count; i++) expect(h.series[slots[i]!]!.id).toBe(b.seriesIds[i]);
}

describe('KeySlots', () => {
  it('gives each point the head slot of its series, for a table cut mid-tick', () => {
    const h = head();
    const ks = new KeySlots();
    const b = batch(1n, 7, 5, 3);
    expect(b.seriesKeys!.length).toBe(7);
    expectSlotsOf(h, b, ks.resolve(h, 1n, b.seriesKeys!, b.seriesKeyIndex!, b.count));
    // The next batch's table is another rotation: looked up again, same slots per series.
    const next = batch(1n, 7, 4, 5);
    expectSlotsOf(h, next, ks.resolve(h, 1n, next.seriesKeys!, next.seriesKeyIndex!, next.count));
    expect(h.series.filter((s) => s !== undefined).length).toBe(7);
  });

  it('reuses a producer’s table, and forgets every table when the head is another', () => {
    const ks = new KeySlots();
    const h1 = head();
    h1.getOrCreate(5n); // the same series takes other slots in the two heads
    const b = batch(2n, 4, 2);
    const first = Int32Array.from(ks.resolve(h1, 2n, b.seriesKeys!, b.seriesKeyIndex!, b.count));
    const spy = jest.spyOn(h1, 'getOrCreate');
    expectSlotsOf(h1, b, ks.resolve(h1, 2n, b.seriesKeys!, b.seriesKeyIndex!, b.count));
    expect(spy).not.toHaveBeenCalled();
    const h2 = head();
    const again = ks.resolve(h2, 2n, b.seriesKeys!, b.seriesKeyIndex!, b.count);
    expectSlotsOf(h2, b, again);
    expect([...again]).not.toEqual([...first]);
  });

  it('keeps the slots of many keys (its table grows), answering from it and not from the head', () => {
    const h = head();
    const ks = new KeySlots();
    const b = batch(3n, 5000, 2, 17);
    expectSlotsOf(h, b, ks.resolve(h, 3n, b.seriesKeys!, b.seriesKeyIndex!, b.count));
    expect(h.series).toHaveLength(5000);
    // Another producer with the same series, in another rotation: every key is known.
    const spy = jest.spyOn(h, 'getOrCreate');
    const other = batch(4n, 5000, 1, 2501);
    expectSlotsOf(
      h,
      other,
      ks.resolve(h, 4n, other.seriesKeys!, other.seriesKeyIndex!, other.count),
    );
    expect(spy).not.toHaveBeenCalled();
  });
});
