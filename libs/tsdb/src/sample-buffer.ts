/** Capacity of a partition's buffer (points). */
export const BUFFER_CAPACITY = 65_536;
/** Points moved from the buffer to the head in one batch (one WAL record). */
export const DRAIN_BATCH = 4_096;

/**
 * Bounded FIFO ring of samples for one partition: three typed arrays (series
 * slot, timestamp, value), no object per sample. `push` returns false when full.
 */
export class SampleBuffer {
  private readonly slots: Int32Array;
  private readonly ts: Float64Array;
  private readonly vs: Float64Array;
  private head = 0; // next to read
  private size = 0;

  constructor(readonly capacity = BUFFER_CAPACITY) {
    this.slots = new Int32Array(capacity);
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  get isFull(): boolean {
    return this.size === this.capacity;
  }

  push(slot: number, t: number, v: number): boolean {
    if (this.size === this.capacity) return false;
    let at = this.head + this.size;
    if (at >= this.capacity) at -= this.capacity;
    this.slots[at] = slot;
    this.ts[at] = t;
    this.vs[at] = v;
    this.size++;
    return true;
  }

  /**
   * Moves up to `max` oldest samples into the output arrays (from index 0)
   * and returns how many were moved.
   */
  shift(max: number, slots: Int32Array, ts: Float64Array, vs: Float64Array): number {
    const n = Math.min(max, this.size, slots.length);
    const firstRun = Math.min(n, this.capacity - this.head);
    slots.set(this.slots.subarray(this.head, this.head + firstRun));
    ts.set(this.ts.subarray(this.head, this.head + firstRun));
    vs.set(this.vs.subarray(this.head, this.head + firstRun));
    if (n > firstRun) {
      const rest = n - firstRun;
      slots.set(this.slots.subarray(0, rest), firstRun);
      ts.set(this.ts.subarray(0, rest), firstRun);
      vs.set(this.vs.subarray(0, rest), firstRun);
    }
    this.head += n;
    if (this.head >= this.capacity) this.head -= this.capacity;
    this.size -= n;
    return n;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }
}
