import { MemorySeriesStore } from './memory-series-store';

describe('MemorySeriesStore', () => {
  it('keeps points sorted with one value per timestamp, the latest write winning', () => {
    const s = new MemorySeriesStore();
    const model = new Map<number, number>();
    let seed = 1;
    const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 5000; i++) {
      const t = Math.floor(rand() * 2000);
      const v = rand();
      s.insert(7n, t, v);
      model.set(t, v);
    }
    const r = s.query(7n, 0, 10_000);
    const expected = [...model.entries()].sort((a, b) => a[0] - b[0]);
    expect(Array.from(r.timestamps)).toEqual(expected.map((e) => e[0]));
    expect(Array.from(r.values)).toEqual(expected.map((e) => e[1]));
    expect(s.pointCount).toBe(model.size);
  });

  it('answers inclusive ranges and unknown series', () => {
    const s = new MemorySeriesStore();
    for (let t = 0; t < 10; t++) s.insert(1n, t * 10, t);
    expect(Array.from(s.query(1n, 20, 40).timestamps)).toEqual([20, 30, 40]);
    expect(s.query(1n, 41, 49).timestamps.length).toBe(0);
    expect(s.query(2n, 0, 100).timestamps.length).toBe(0);
  });
});
