import { partitionOf, seriesId, seriesName, type ContainerRates } from '@ztsdb/model';

/** Points of one partition for one tick, as columns ready for the wire encoder. */
export interface PartitionColumns {
  partition: number;
  count: number;
  ids: BigUint64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

export interface SeriesRef {
  name: string;
  id: bigint;
  partition: number;
  metric: string;
}

/**
 * Turns a tick's container values into per-partition columns. Series ids and
 * partitions are computed once per (container, metric) and cached.
 */
export class PartitionColumnsBuilder {
  private readonly refs = new Map<string, SeriesRef>();
  /** container short id → its series, so a gone container's series can all be retired. */
  private readonly byContainer = new Map<string, Map<string, SeriesRef>>();
  private cols: PartitionColumns[];

  constructor(private readonly partitions: number) {
    this.cols = this.fresh(256);
  }

  private fresh(capacity: number): PartitionColumns[] {
    return Array.from({ length: this.partitions }, (_, partition) => ({
      partition,
      count: 0,
      ids: new BigUint64Array(capacity),
      timestamps: new Float64Array(capacity),
      values: new Float64Array(capacity),
    }));
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

  /** Builds the columns of one tick; partitions with no points are left out. */
  build(samples: ContainerRates[]): PartitionColumns[] {
    const total = samples.reduce((n, s) => n + Object.keys(s.values).length, 0);
    this.cols = this.fresh(Math.max(16, Math.ceil((total / this.partitions) * 2)));
    for (const s of samples) {
      for (const metric in s.values) {
        const v = s.values[metric]!;
        const r = this.ref(metric, s.container.id);
        const c = this.grow(this.cols[r.partition]!);
        c.ids[c.count] = r.id;
        c.timestamps[c.count] = s.timestampMs;
        c.values[c.count] = v;
        c.count++;
      }
    }
    return this.cols.filter((c) => c.count > 0);
  }

  private grow(c: PartitionColumns): PartitionColumns {
    if (c.count < c.ids.length) return c;
    const n = c.ids.length * 2;
    const ids = new BigUint64Array(n);
    ids.set(c.ids);
    const ts = new Float64Array(n);
    ts.set(c.timestamps);
    const vs = new Float64Array(n);
    vs.set(c.values);
    c.ids = ids;
    c.timestamps = ts;
    c.values = vs;
    return c;
  }
}
