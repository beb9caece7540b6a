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
  /** `ids` of each partition's columns as u32 halves (low first), for `addWords`. */
  private words: Uint32Array[];
  /** Columns given back by `recycle`, one per partition at most. */
  private readonly spare: Array<PartitionColumns | undefined> = [];

  constructor(
    private readonly partitions: number,
    private capacity = 256,
  ) {
    this.cols = this.fresh();
    this.words = this.cols.map((c) => new Uint32Array(c.ids.buffer));
  }

  private fresh(): PartitionColumns[] {
    return Array.from({ length: this.partitions }, (_, partition) => this.empty(partition));
  }

  private empty(partition: number): PartitionColumns {
    return {
      partition,
      count: 0,
      ids: new BigUint64Array(this.capacity),
      timestamps: new Float64Array(this.capacity),
      values: new Float64Array(this.capacity),
    };
  }

  private renew(): void {
    this.cols = this.fresh();
    this.words = this.cols.map((c) => new Uint32Array(c.ids.buffer));
  }

  /** Sizes the next columns for about `points` points in all (spread over the partitions). */
  expect(points: number): void {
    const want = Math.max(16, Math.ceil((points / this.partitions) * 2));
    if (this.cols.every((c) => c.count === 0) && want !== this.capacity) {
      this.capacity = want;
      this.renew();
    }
  }

  add(partition: number, id: bigint, timestampMs: number, value: number): void {
    const c = this.grow(this.cols[partition]!);
    c.ids[c.count] = id;
    c.timestamps[c.count] = timestampMs;
    c.values[c.count] = value;
    c.count++;
  }

  /**
   * `add` with the series id given as its two u32 halves (low first): no BigInt per point
   * (the import keeps its series ids this way).
   */
  addWords(
    partition: number,
    idLo: number,
    idHi: number,
    timestampMs: number,
    value: number,
  ): void {
    const c = this.grow(this.cols[partition]!);
    const n = c.count;
    const w = this.words[partition]!;
    w[2 * n] = idLo;
    w[2 * n + 1] = idHi;
    c.timestamps[n] = timestampMs;
    c.values[n] = value;
    c.count = n + 1;
  }

  /** Points the columns hold before any of them grows (their memory). */
  get heldPoints(): number {
    let n = 0;
    for (const c of this.cols) n += c.ids.length;
    return n;
  }

  /** Points held for one partition. */
  count(partition: number): number {
    return this.cols[partition]!.count;
  }

  /** The non-empty columns; the groups start empty again. */
  take(): PartitionColumns[] {
    const out = this.cols.filter((c) => c.count > 0);
    if (out.length > 0) this.renew();
    return out;
  }

  /**
   * The non-empty columns, kept: valid until `clear` or the next `add` (a caller that encodes
   * them at once and then clears reuses the same arrays for its next points).
   */
  filled(): PartitionColumns[] {
    return this.cols.filter((c) => c.count > 0);
  }

  /** Empties every partition, keeping the arrays. */
  clear(): void {
    for (const c of this.cols) c.count = 0;
  }

  /** One partition's columns (possibly empty); that partition starts empty again. */
  takePartition(partition: number): PartitionColumns {
    const c = this.cols[partition]!;
    const next = this.spare[partition] ?? this.empty(partition);
    this.spare[partition] = undefined;
    this.cols[partition] = next;
    this.words[partition] = new Uint32Array(next.ids.buffer);
    return c;
  }

  /**
   * Gives back columns `takePartition` returned, once nothing reads them any more (encoded):
   * the next take of that partition reuses them instead of allocating.
   */
  recycle(cols: PartitionColumns): void {
    if (cols.ids.length !== this.capacity || cols === this.cols[cols.partition]) return;
    cols.count = 0;
    this.spare[cols.partition] = cols;
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
    this.words[c.partition] = new Uint32Array(ids.buffer);
    c.timestamps = ts;
    c.values = vs;
    return c;
  }
}
