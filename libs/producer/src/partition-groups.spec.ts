import { PartitionGroups } from './partition-groups';

describe('PartitionGroups', () => {
  it('addWords stores the same ids as add, across column growth', () => {
    const ids = [0n, 1n, 0xffffffffn, 0x1_0000_0000n, 0xfedcba9876543210n, 2n ** 64n - 1n];
    const a = new PartitionGroups(2, 2);
    const b = new PartitionGroups(2, 2);
    for (let i = 0; i < 40; i++) {
      const id = ids[i % ids.length]!;
      a.add(i % 2, id, 1000 + i, i / 4);
      b.addWords(i % 2, Number(id & 0xffffffffn), Number(id >> 32n), 1000 + i, i / 4);
    }
    const ca = a.take();
    const cb = b.take();
    expect(cb.map((c) => c.count)).toEqual([20, 20]);
    for (let p = 0; p < 2; p++) {
      expect([...cb[p]!.ids.subarray(0, 20)]).toEqual([...ca[p]!.ids.subarray(0, 20)]);
      expect([...cb[p]!.timestamps.subarray(0, 20)]).toEqual([
        ...ca[p]!.timestamps.subarray(0, 20),
      ]);
      expect([...cb[p]!.values.subarray(0, 20)]).toEqual([...ca[p]!.values.subarray(0, 20)]);
    }
  });

  it('takePartition leaves the taken columns alone and starts fresh ones', () => {
    const g = new PartitionGroups(1, 4);
    g.addWords(0, 7, 0, 1, 1);
    const taken = g.takePartition(0);
    g.addWords(0, 9, 1, 2, 2);
    expect(taken.count).toBe(1);
    expect(taken.ids[0]).toBe(7n);
    const next = g.takePartition(0);
    expect(next.ids[0]).toBe(9n + (1n << 32n));
  });

  it('recycle hands encoded columns back for the next take, empty', () => {
    const g = new PartitionGroups(1, 4);
    g.addWords(0, 1, 0, 1, 1);
    const first = g.takePartition(0);
    g.recycle(first);
    g.addWords(0, 2, 0, 2, 2);
    const second = g.takePartition(0);
    expect(second).not.toBe(first);
    const third = g.takePartition(0);
    expect(third).toBe(first);
    expect(third.count).toBe(0);
  });
});
