/** Points of one partition, as columns ready for the wire encoder. */
export interface PartitionColumns {
  partition: number;
  count: number;
  ids: BigUint64Array;
  timestamps: Float64Array;
  values: Float64Array;
}

/**
 * Groups points by partition into typed columns (no object per point). `take` hands the
 * filled columns over and starts fresh ones, so what it returned stays valid.
 */
export class PartitionGroups {
  private cols: PartitionColumns[];

  constructor(
    private readonly partitions: number,
    private capacity = 256,
  ) {
    this.cols = this.fresh();
  }

  private fresh(): PartitionColumns[] {
    return Array.from({ length: this.partitions }, (_, partition) => ({
      partition,
      count: 0,
      ids: new BigUint64Array(this.capacity),
      timestamps: new Float64Array(this.capacity),
      values: new Float64Array(this.capacity),
    }));
  }

  /** Sizes the next columns for about `points` points in all (spread over the partitions). */
  expect(points: number): void {
    const want = Math.max(16, Math.ceil((points / this.partitions) * 2));
    if (this.cols.every((c) => c.count === 0) && want !== this.capacity) {
      this.capacity = want;
      this.cols = this.fresh();
    }
  }

  add(partition: number, id: bigint, timestampMs: number, value: number): void {
    const c = this.grow(this.cols[partition]!);
    c.ids[c.count] = id;
    c.timestamps[c.count] = timestampMs;
    c.values[c.count] = value;
    c.count++;
  }

  /** Points held for one partition. */
  count(partition: number): number {
    return this.cols[partition]!.count;
  }

  /** The non-empty columns; the groups start empty again. */
  take(): PartitionColumns[] {
    const out = this.cols.filter((c) => c.count > 0);
    if (out.length > 0) this.cols = this.fresh();
    return out;
  }

  /** One partition's columns (possibly empty); that partition starts empty again. */
  takePartition(partition: number): PartitionColumns {
    const c = this.cols[partition]!;
    this.cols[partition] = {
      partition,
      count: 0,
      ids: new BigUint64Array(this.capacity),
      timestamps: new Float64Array(this.capacity),
      values: new Float64Array(this.capacity),
    };
    return c;
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
