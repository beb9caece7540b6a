/** Capacity of a partition's buffer (points). */
export const BUFFER_CAPACITY = 65_536;
/** Points moved from the buffer to the head in one batch (one WAL entry). */
export const DRAIN_BATCH = 4_096;

/**
 * Samples inserted into one partition of the embedded engine and not yet in
 * its head: three typed columns (series slot in the head, timestamp, value),
 * no object per sample; the series ids are kept by slot as (low, high) u32
 * pairs (`idsBySlot`), for the WAL entry, without a BigInt per sample. `push`
 * returns false when full. Drained front to back in batches of DRAIN_BATCH,
 * each a view on the columns (valid until the next push).
 */
export class AppendBuffer {
  /** Series ids by slot, (low, high) u32 pairs. */
  idsBySlot = new Uint32Array(256);
  /** Each sample's series slot in the partition's head. */
  readonly slots: Int32Array;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  private start = 0;
  private end = 0;

  constructor(readonly capacity = BUFFER_CAPACITY) {
    this.slots = new Int32Array(capacity);
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
  }

  get length(): number {
    return this.end - this.start;
  }

  /** Records the id of a series slot (once, when the series is first seen). */
  noteSeries(slot: number, id: bigint): void {
    if (2 * slot + 1 >= this.idsBySlot.length) {
      let n = this.idsBySlot.length;
      while (2 * slot + 1 >= n) n *= 2;
      const bigger = new Uint32Array(n);
      bigger.set(this.idsBySlot);
      this.idsBySlot = bigger;
    }
    this.idsBySlot[2 * slot] = Number(id & 0xffffffffn);
    this.idsBySlot[2 * slot + 1] = Number(id >> 32n);
  }

  push(slot: number, t: number, v: number): boolean {
    const i = this.end;
    if (i === this.capacity) return false;
    this.slots[i] = slot;
    this.ts[i] = t;
    this.vs[i] = v;
    this.end = i + 1;
    return true;
  }

  /** The next batch (at most DRAIN_BATCH samples) as views, removed from the buffer; undefined when empty. */
  next(): { slots: Int32Array; ts: Float64Array; vs: Float64Array; count: number } | undefined {
    const a = this.start;
    if (a === this.end) return undefined;
    const b = Math.min(this.end, a + DRAIN_BATCH);
    this.start = b;
    if (b === this.end) this.start = this.end = 0; // empty again: the views stay valid until the next push
    return {
      slots: this.slots.subarray(a, b),
      ts: this.ts.subarray(a, b),
      vs: this.vs.subarray(a, b),
      count: b - a,
    };
  }
}
