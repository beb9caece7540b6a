import { partitionOf, seriesId, seriesName, type ContainerRates } from '@ztsdb/model';
import { PartitionGroups, type PartitionColumns } from './partition-groups';

export interface SeriesRef {
  name: string;
  id: bigint;
  partition: number;
  metric: string;
}

/**
 * Turns a tick's container values into per-partition columns (the collector). Series ids and
 * partitions are computed once per (container, metric) and cached.
 */
export class PartitionColumnsBuilder {
  private readonly refs = new Map<string, SeriesRef>();
  /** container short id → its series, so a gone container's series can all be retired. */
  private readonly byContainer = new Map<string, Map<string, SeriesRef>>();
  private readonly groups: PartitionGroups;

  constructor(private readonly partitions: number) {
    this.groups = new PartitionGroups(partitions);
  }

  ref(metric: string, containerId: string): SeriesRef {
    const name = seriesName(metric, containerId);
    let r = this.refs.get(name);
    if (!r) {
      const id = seriesId(name);
      r = { name, id, partition: partitionOf(id, this.partitions), metric };
      this.refs.set(name, r);
      let own = this.byContainer.get(containerId);
      if (!own) this.byContainer.set(containerId, (own = new Map()));
      own.set(metric, r);
    }
    return r;
  }

  /** Drops a container's series from the cache and returns them (every metric it ever had). */
  forget(containerId: string): SeriesRef[] {
    const own = [...(this.byContainer.get(containerId)?.values() ?? [])];
    for (const r of own) this.refs.delete(r.name);
    this.byContainer.delete(containerId);
    return own;
  }

  /**
   * Builds the columns of one tick; partitions with no points are left out. `more` may add
   * points of other series (cAdvisor's) to the same batches.
   */
  build(samples: ContainerRates[], more?: (groups: PartitionGroups) => void): PartitionColumns[] {
    let total = 0;
    for (const s of samples) for (const _ in s.values) total++;
    this.groups.expect(total);
    for (const s of samples) {
      for (const metric in s.values) {
        const r = this.ref(metric, s.container.id);
        this.groups.add(r.partition, r.id, s.timestampMs, s.values[metric]!);
      }
    }
    more?.(this.groups);
    return this.groups.take();
  }
}
