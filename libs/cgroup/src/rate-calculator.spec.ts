import { CPU_NS_TO_PERCENT, RateCalculator, cpuPercent } from './rate-calculator';

describe('RateCalculator', () => {
  const make = () =>
    new RateCalculator({
      kinds: ['counter', 'gauge', 'counter'],
      scales: [CPU_NS_TO_PERCENT, 1, 1],
    });

  it('gives nothing for a first reading, then Δ/Δt per second', () => {
    const r = make();
    const out = new Float64Array(3);
    expect(r.update(1n, 1000, [0, 500, 100], out)).toBe(false);
    expect(r.update(1n, 1500, [250_000_000, 600, 400], out)).toBe(true);
    expect(out[0]).toBeCloseTo(50, 10); // 0.25 s of CPU in 0.5 s = 50 % of a core
    expect(out[1]).toBe(600); // gauge as read
    expect(out[2]).toBeCloseTo(600, 10); // 300 in 0.5 s
  });

  it('computes CPU percent as Δns / elapsed ns × 100', () => {
    expect(cpuPercent(1e9, 2e9)).toBe(50);
    const r = make();
    const out = new Float64Array(3);
    r.update(7n, 0, [1e9, 0, 0], out);
    r.update(7n, 1000, [3e9, 0, 0], out);
    expect(out[0]).toBeCloseTo(cpuPercent(2e9, 1e9), 10); // two cores busy = 200 %
  });

  it('skips readings less than 100 ms apart and keeps the older base', () => {
    const r = make();
    const out = new Float64Array(3).fill(-7);
    r.update(1n, 0, [0, 1, 0], out);
    expect(r.update(1n, 99.9, [100, 1, 10], out)).toBe(false);
    expect(Array.from(out)).toEqual([-7, -7, -7]);
    expect(r.lastTime(1n)).toBe(0);
    expect(r.update(1n, 200, [200, 1, 20], out)).toBe(true);
    expect(out[2]).toBeCloseTo(100, 10); // 20 over 0.2 s: measured from the reading at 0
    expect(r.update(1n, 250, [300, 1, 30], out)).toBe(false);
    expect(r.update(1n, 200, [300, 1, 30], out)).toBe(false); // time went back: skipped too
  });

  it('treats a counter that went down as reset: delta = current value', () => {
    const r = make();
    const out = new Float64Array(3);
    r.update(1n, 0, [5e9, 0, 1000], out);
    expect(r.update(1n, 1000, [1e8, 0, 40], out)).toBe(true);
    expect(out[0]).toBeCloseTo(10, 10); // 0.1 s of CPU since the reset
    expect(out[2]).toBe(40);
  });

  it('keeps NaN (unknown counter) as NaN without poisoning the next rate', () => {
    const r = make();
    const out = new Float64Array(3);
    r.update(1n, 0, [0, NaN, NaN], out);
    expect(r.update(1n, 1000, [1e9, 5, 10], out)).toBe(true);
    expect(out[0]).toBeCloseTo(100, 10);
    expect(out[1]).toBe(5);
    expect(Number.isNaN(out[2]!)).toBe(true); // no base yet
    expect(r.update(1n, 2000, [1e9, 5, 30], out)).toBe(true);
    expect(out[2]).toBe(20);
  });

  it('keeps keys apart and forgets them', () => {
    const r = make();
    const out = new Float64Array(3);
    r.update(1n, 0, [0, 0, 0], out);
    r.update(2n, 0, [0, 0, 1000], out);
    expect(r.size).toBe(2);
    r.update(1n, 1000, [0, 0, 10], out);
    expect(out[2]).toBe(10);
    r.forget(1n);
    expect(r.has(1n)).toBe(false);
    expect(r.update(1n, 2000, [0, 0, 20], out)).toBe(false); // first reading again
    expect(r.update(2n, 1000, [0, 0, 1500], out)).toBe(true);
    expect(out[2]).toBe(500);
  });
});
