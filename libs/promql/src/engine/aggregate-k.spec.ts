import { bestK } from './aggregate-k';
import { newStepSeries, type StepSeries } from './values';

describe('bestK (topk and bottomk at small k)', () => {
  it('picks the same series in the same order as a stable sort of all, NaN last, ties in member order', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pool = [NaN, 1, 2, 2, 3, -1, Infinity, -Infinity, 0];
    for (let round = 0; round < 500; round++) {
      const top = rnd() < 0.5;
      const better = (a: number, b: number): number => {
        if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
        if (Number.isNaN(b)) return -1;
        return top ? b - a : a - b;
      };
      const n = Math.floor(rnd() * 20);
      const input: StepSeries[] = [];
      for (let s = 0; s < n; s++) {
        const ss = newStepSeries([], 1);
        ss.values[0] = pool[Math.floor(rnd() * pool.length)]!;
        ss.present[0] = rnd() < 0.8 ? 1 : 0;
        input.push(ss);
      }
      const members = input.map((_, si) => si).sort(() => rnd() - 0.5);
      const k = 1 + Math.floor(rnd() * 8);
      const expected = members
        .filter((si) => input[si]!.present[0])
        .sort((a, b) => better(input[a]!.values[0]!, input[b]!.values[0]!))
        .slice(0, k);
      expect(bestK(input, members, 0, k, better)).toEqual(expected);
    }
  });
});
