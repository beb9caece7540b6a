import {
  partitionOf,
  seriesId,
  type ContainerInfo,
  type ContainerRates,
  type Labels,
} from '@ztsdb/model';
import { canonicalSeriesName } from './canonical-name';
import type { PartitionGroups } from './partition-groups';

/**
 * cAdvisor's container series from the collector's values, so dashboards made for cAdvisor
 * work unchanged. cAdvisor exports cumulative counters; ours are rates per second measured
 * over each tick, so a counter here is the sum of rate × elapsed over the ticks since the
 * collector first saw the container (it starts at 0 then, where cAdvisor's starts at the
 * cgroup's creation: rate() and increase() agree, absolute values do not). Gauges map as they
 * are. A metric the source does not measure has no series.
 */
export interface CadvisorMetric {
  name: string;
  /** The collector metric it comes from. */
  from: string;
  /** Used when the source does not measure `from`. */
  fallback?: string;
  /** Counter: rate × seconds summed (`scale` first); gauge: the value × `scale`. */
  kind: 'counter' | 'gauge';
  scale: number;
}

export const CADVISOR_METRICS: readonly CadvisorMetric[] = [
  // container.cpu.usage is percent of one core: /100 gives core-seconds per second.
  {
    name: 'container_cpu_usage_seconds_total',
    from: 'container.cpu.usage',
    kind: 'counter',
    scale: 0.01,
  },
  // container.memory.bytes is the working set (usage minus inactive file cache, as docker
  // stats and cAdvisor's working set count it); usage with the cache is the extra
  // container.memory.total.bytes, or the working set from a source that does not measure it.
  {
    name: 'container_memory_usage_bytes',
    from: 'container.memory.total.bytes',
    fallback: 'container.memory.bytes',
    kind: 'gauge',
    scale: 1,
  },
  {
    name: 'container_memory_working_set_bytes',
    from: 'container.memory.bytes',
    kind: 'gauge',
    scale: 1,
  },
  {
    name: 'container_network_receive_bytes_total',
    from: 'container.net.rx.bytes',
    kind: 'counter',
    scale: 1,
  },
  {
    name: 'container_network_transmit_bytes_total',
    from: 'container.net.tx.bytes',
    kind: 'counter',
    scale: 1,
  },
  {
    name: 'container_network_receive_packets_total',
    from: 'container.net.rx.packets',
    kind: 'counter',
    scale: 1,
  },
  {
    name: 'container_network_transmit_packets_total',
    from: 'container.net.tx.packets',
    kind: 'counter',
    scale: 1,
  },
  {
    name: 'container_fs_reads_bytes_total',
    from: 'container.block.read.bytes',
    kind: 'counter',
    scale: 1,
  },
  {
    name: 'container_fs_writes_bytes_total',
    from: 'container.block.write.bytes',
    kind: 'counter',
    scale: 1,
  },
  { name: 'container_fs_reads_total', from: 'container.block.read.ops', kind: 'counter', scale: 1 },
  {
    name: 'container_fs_writes_total',
    from: 'container.block.write.ops',
    kind: 'counter',
    scale: 1,
  },
];

/** cAdvisor's labels (`id`, `name`, `image`) plus ours for one container and metric. */
export function cadvisorLabels(metric: string, c: ContainerInfo): Labels {
  const labels: Labels = {
    __name__: metric,
    // cAdvisor's id is the cgroup path; ours names the runtime and the short id.
    id: `/${c.runtime ?? 'container'}/${c.id}`,
    container_id: c.id,
  };
  if (c.name) labels.name = c.name;
  if (c.image) labels.image = c.image;
  if (c.runtime) labels.runtime = c.runtime;
  if (c.pod) labels.pod = c.pod;
  if (c.namespace) labels.namespace = c.namespace;
  if (c.host) labels.host = c.host;
  return labels;
}

interface Tracked {
  lastMs: number;
  totals: Float64Array;
  refs: Array<{ name: string; id: bigint; partition: number; labels: Labels } | undefined>;
}

export interface CadvisorRef {
  name: string;
  id: bigint;
  labels: Labels;
}

export class CadvisorSeries {
  private readonly byContainer = new Map<string, Tracked>();

  constructor(private readonly partitions: number) {}

  /**
   * Adds this tick's cAdvisor points to `groups`; `note` is called for each series the first
   * time it appears (registration).
   */
  add(samples: ContainerRates[], groups: PartitionGroups, note: (r: CadvisorRef) => void): void {
    for (const s of samples) {
      let t = this.byContainer.get(s.container.id);
      const first = t === undefined;
      if (!t) {
        t = {
          lastMs: s.timestampMs,
          totals: new Float64Array(CADVISOR_METRICS.length),
          refs: [],
        };
        this.byContainer.set(s.container.id, t);
      }
      const elapsedS = first ? 0 : Math.max(0, (s.timestampMs - t.lastMs) / 1000);
      t.lastMs = s.timestampMs;
      for (let m = 0; m < CADVISOR_METRICS.length; m++) {
        const def = CADVISOR_METRICS[m]!;
        const v = s.values[def.from] ?? (def.fallback ? s.values[def.fallback] : undefined);
        if (v === undefined) continue;
        let value: number;
        if (def.kind === 'gauge') value = v * def.scale;
        else {
          if (Number.isFinite(v)) t.totals[m]! += v * def.scale * elapsedS;
          value = t.totals[m]!;
        }
        let r = t.refs[m];
        if (!r) {
          const labels = cadvisorLabels(def.name, s.container);
          const name = canonicalSeriesName(labels);
          const id = seriesId(name);
          r = { name, id, partition: partitionOf(id, this.partitions), labels };
          t.refs[m] = r;
          note(r);
        }
        groups.add(r.partition, r.id, s.timestampMs, value);
      }
    }
  }

  /** Drops a gone container and returns its series (to be marked inactive). */
  forget(containerId: string): CadvisorRef[] {
    const t = this.byContainer.get(containerId);
    this.byContainer.delete(containerId);
    return (t?.refs ?? []).filter((r): r is NonNullable<typeof r> => r !== undefined);
  }
}
