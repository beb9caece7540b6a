import { MEMORY_TOTAL_METRIC, METRICS } from '@ztsdb/model';
import { generateDataset, SyntheticSource } from './index';
import { SyntheticFleet } from './synthetic-fleet';

describe('synthetic data', () => {
  it('is reproducible for a seed and different across seeds', () => {
    const a = generateDataset(20, 50, 1000, 0, 3);
    const b = generateDataset(20, 50, 1000, 0, 3);
    const c = generateDataset(20, 50, 1000, 0, 4);
    expect(a.values).toEqual(b.values);
    expect(a.values).not.toEqual(c.values);
    expect(a.names).toHaveLength(20);
    expect(a.ids).toHaveLength(20);
  });

  it('has container-like shapes', () => {
    const d = generateDataset(200, 600);
    for (let s = 0; s < d.values.length; s++) {
      const metric = d.names[s]!.slice(0, d.names[s]!.lastIndexOf('.'));
      const v = d.values[s]!;
      expect(v.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
      if (metric === 'container.cpu.usage')
        expect(v.every((x) => Math.round(x * 100) / 100 === x)).toBe(true);
      if (metric === 'container.memory.bytes')
        expect(v.every((x) => x % 4096 === 0 && x > 0)).toBe(true);
    }
    // Some rate series are mostly zero, as idle containers are.
    const mostlyZero = d.values.filter(
      (v) => v.filter((x) => x === 0).length > v.length * 0.8,
    ).length;
    expect(mostlyZero).toBeGreaterThan(10);
  });

  it('gives 12-hex ids and labels', () => {
    const f = new SyntheticFleet(5);
    for (const c of f.containers) expect(c.id).toMatch(/^[0-9a-f]{12}$/);
    expect(new Set(f.containers.map((c) => c.id)).size).toBe(5);
  });

  it('is a MetricSource giving every metric of every container', async () => {
    const s = new SyntheticSource(3);
    const r = await s.collect(1000);
    expect(r.samples).toHaveLength(3);
    expect(Object.keys(r.samples[0]!.values).sort()).toEqual(
      [...METRICS, MEMORY_TOTAL_METRIC].sort(),
    );
    // Usage with the page cache is never below the working set.
    for (const x of r.samples)
      expect(x.values[MEMORY_TOTAL_METRIC]).toBeGreaterThanOrEqual(
        x.values['container.memory.bytes']!,
      );
  });

  it('lets containers come and go with a lifetime, and never without', async () => {
    const s = new SyntheticSource(10, 1, 'h', 10_000);
    const first = (await s.collect(0)).samples.map((x) => x.container.id);
    const removed: string[] = [];
    const seen = new Set(first);
    for (let t = 1000; t <= 60_000; t += 1000) {
      const r = await s.collect(t);
      expect(r.samples).toHaveLength(10);
      for (const c of r.removed) {
        expect(seen.has(c.id)).toBe(true);
        removed.push(c.id);
      }
      for (const x of r.samples) seen.add(x.container.id);
    }
    // Ten slots, lives of 5–15 s over a minute: every first container is gone, replaced.
    expect(first.every((id) => removed.includes(id))).toBe(true);
    expect(seen.size).toBe(10 + removed.length);
    const forever = new SyntheticSource(10);
    for (let t = 0; t <= 60_000; t += 1000) expect((await forever.collect(t)).removed).toEqual([]);
  });
});
