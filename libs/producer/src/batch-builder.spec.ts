import { decodeSampleBatch } from '@ztsdb/wire';
import { BatchBuilder } from './batch-builder';
import { PartitionGroups } from './partition-groups';

/** Three ticks of 50 series on partition 2, as a scrape or an import groups them. */
function columns() {
  const groups = new PartitionGroups(4);
  for (let t = 0; t < 3; t++)
    for (let s = 0; s < 50; s++)
      groups.add(2, BigInt(4 * s + 2), 1_700_000_000_000 + t * 1000, s * t);
  return groups.take()[0]!;
}

describe('BatchBuilder', () => {
  it.each([1, 2, 3] as const)('writes version %d when told, read back by the decoder', (v) => {
    const b = new BatchBuilder(v);
    const cols = columns();
    const first = b.build(cols);
    const second = b.build(cols);
    expect(first.data[4]).toBe(v);
    const d = decodeSampleBatch(second.data);
    expect(d).toMatchObject({ partition: 2, producerId: b.producerId, sequence: 1n, count: 150 });
    expect(d.seriesIds).toEqual(cols.ids.subarray(0, 150));
    expect(d.timestamps).toEqual(cols.timestamps.subarray(0, 150));
    expect(d.values).toEqual(cols.values.subarray(0, 150));
    expect(second.msgId).toBe(`${b.producerId.toString(16).padStart(16, '0')}-1-p2`);
  });

  it('writes version 1 instead of 3 for points in no order, where 3 would be larger', () => {
    const groups = new PartitionGroups(1);
    // 1,000 points, every id and timestamp new but one in the middle: neither cyclic nor in
    // runs, so version 3 needs a u16 index per point for each, beside both tables.
    for (let i = 0; i < 1000; i++) {
      const k = i === 500 ? 3 : i;
      groups.add(0, BigInt(k + 1), 1_700_000_000_000 + k, Math.sqrt(i + 2));
    }
    const cols = groups.take()[0]!;
    const b = new BatchBuilder(3).build(cols);
    expect(b.data[4]).toBe(1);
    expect(decodeSampleBatch(b.data).seriesIds).toEqual(cols.ids.subarray(0, 1000));
  });

  it('writes version 3 smaller than version 2 for a tick-ordered batch', () => {
    const cols = columns();
    const v2 = new BatchBuilder(2).build(cols).data.length;
    const v3 = new BatchBuilder(3).build(cols).data.length;
    expect(v3).toBeLessThan(v2 * 0.75);
  });
});
