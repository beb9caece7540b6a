import type { ContainerRates } from '@ztsdb/model';
import { CadvisorSeries, type CadvisorRef } from './cadvisor-series';
import { PartitionGroups } from './partition-groups';

const web = { id: 'abc123def456', name: 'web', image: 'nginx:1', runtime: 'docker' as const };

function tick(ms: number, values: Record<string, number>): ContainerRates[] {
  return [{ container: web, timestampMs: ms, values }];
}

describe('CadvisorSeries', () => {
  it('sums rates into counters from the second tick, maps gauges, labels like cAdvisor', () => {
    const c = new CadvisorSeries(1);
    const noted: CadvisorRef[] = [];
    const points = (ms: number, v: Record<string, number>): Map<string, number> => {
      const g = new PartitionGroups(1);
      c.add(tick(ms, v), g, (r) => noted.push(r));
      const [col] = g.take();
      const byId = new Map(noted.map((r) => [r.id, r.labels.__name__!]));
      const out = new Map<string, number>();
      for (let i = 0; i < col!.count; i++) out.set(byId.get(col!.ids[i]!)!, col!.values[i]!);
      return out;
    };
    const v = {
      'container.cpu.usage': 50,
      'container.memory.bytes': 4096,
      'container.net.rx.bytes': 100,
    };
    expect(points(1000, v).get('container_cpu_usage_seconds_total')).toBe(0);
    const second = points(3000, v); // 2 s at half a core, 100 B/s
    expect(second.get('container_cpu_usage_seconds_total')).toBeCloseTo(1, 12);
    expect(second.get('container_network_receive_bytes_total')).toBe(200);
    expect(second.get('container_memory_usage_bytes')).toBe(4096);
    expect(second.has('container_memory_working_set_bytes')).toBe(true); // the measured memory
    const withTotal = points(4000, { ...v, 'container.memory.total.bytes': 8192 });
    expect(withTotal.get('container_network_receive_bytes_total')).toBe(300);
    // Usage with the page cache when the source measures it; the working set stays the same.
    expect(withTotal.get('container_memory_usage_bytes')).toBe(8192);
    expect(withTotal.get('container_memory_working_set_bytes')).toBe(4096);
    expect(noted).toHaveLength(4);
    expect(noted[0]).toMatchObject({
      name: 'container_cpu_usage_seconds_total{container_id="abc123def456",id="/docker/abc123def456",image="nginx:1",name="web",runtime="docker"}',
      labels: { id: '/docker/abc123def456', name: 'web', image: 'nginx:1' },
    });
    expect(c.forget(web.id).map((r) => r.labels.__name__)).toEqual([
      'container_cpu_usage_seconds_total',
      'container_memory_usage_bytes',
      'container_memory_working_set_bytes',
      'container_network_receive_bytes_total',
    ]);
    expect(c.forget(web.id)).toEqual([]);
  });
});
