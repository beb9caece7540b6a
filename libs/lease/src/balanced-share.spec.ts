import { acquireOrder, rankMembers, targetOf, type ShareView } from './balanced-share';

const view = (partitions: number, held: Record<string, number>): ShareView => ({
  partitions,
  members: Object.keys(held),
  holdings: new Map(Object.entries(held)),
});
const targets = (v: ShareView): number[] => v.members.map((m) => targetOf(v, m));

describe('balanced share', () => {
  it('gives every replica floor or ceil of P/R, summing to P, for every R <= P', () => {
    for (let p = 1; p <= 24; p++)
      for (let r = 1; r <= p; r++) {
        const ids = Array.from({ length: r }, (_, i) => `m${String(i).padStart(2, '0')}`);
        const t = targets(view(p, Object.fromEntries(ids.map((id) => [id, 0]))));
        expect(t.reduce((a, b) => a + b, 0)).toBe(p);
        for (const x of t) expect([Math.floor(p / r), Math.ceil(p / r)]).toContain(x);
      }
  });

  it('settles 3 replicas on 4 partitions at 2/1/1, the ceiling to a replica already holding 2', () => {
    // The layout that used to stay 2/2/0: one of the two holders gives one up.
    const v = view(4, { a: 2, b: 2, c: 0 });
    expect(targets(v)).toEqual([2, 1, 1]);
    // A newcomer with the smallest id does not take the ceiling from a holder.
    expect(targets(view(4, { a: 0, b: 2, c: 2 }))).toEqual([1, 2, 1]);
  });

  it('makes replicas beyond the partition count standbys, and keeps owners owning', () => {
    // A standby that joins with a smaller id does not displace an owner.
    const v = view(2, { a: 0, b: 1, c: 1 });
    expect(targets(v)).toEqual([0, 1, 1]);
    expect(rankMembers(v)).toEqual(['b', 'c', 'a']);
  });

  it('tries the spread layout first, then every other partition once', () => {
    const v = view(6, { a: 0, b: 0, c: 0 });
    expect(acquireOrder(v, 'b')).toEqual([1, 4, 0, 2, 3, 5]);
    expect(acquireOrder(v, 'x')).toHaveLength(6);
  });
});
