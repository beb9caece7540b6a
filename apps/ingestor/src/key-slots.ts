import type { Head, HotState } from '@ztsdb/tsdb';
import type { SampleBatch } from '@ztsdb/wire';

/** Producers whose last key table is kept (as HotState keeps their last id column). */
const MAX_PRODUCERS = 1 << 12;
const EMPTY = -1;
/** With slots known the head reads no per-point ids (nor are they expanded: sample-batch-v3-decode.ts). */
const NO_IDS = new BigUint64Array(0);

/**
 * Head series slots of a version 3 batch's points, from its series key table: each key is
 * looked up once per batch rather than once per point, and not at all when a producer sends
 * the same table again (a collector's tick, in the same series order). The lookup is a table
 * of its own keyed by the id's two u32 halves: the head's map is keyed by BigInt, and making
 * one per key and hashing it was most of the cost of an import's batches, whose tables are
 * cut mid-tick and so never repeat; the head is asked only for a series it has not seen.
 * Slots of a head never change, so what is kept stays valid for as long as that head: it is
 * dropped when the head is another one (a takeover).
 */
export class KeySlots {
  private head: Head | undefined;
  private readonly last = new Map<bigint, { keys: Buffer; slots: Int32Array }>();
  /** Open addressing: key halves at 2i, 2i + 1, its slot at i (EMPTY: free). */
  private keyWords = new Int32Array(2 * 1024);
  private slotOf = new Int32Array(1024).fill(EMPTY);
  private size = 0;
  private shift = 32 - 10;
  /** The per-point answer, reused: the caller applies the batch before the next resolve. */
  private out = new Int32Array(16384);

  /**
   * Applies one batch to `state` at stream sequence `seq`: a batch with a series key table
   * through its points' slots, any other by its per-point series ids.
   */
  apply(state: HotState, seq: number, b: SampleBatch): void {
    if (b.seriesKeys !== undefined && b.seriesKeyIndex !== undefined) {
      const known = this.resolve(state.head, b.producerId, b.seriesKeys, b.seriesKeyIndex, b.count);
      state.apply(seq, NO_IDS, b.timestamps, b.values, b.count, undefined, known);
    } else state.apply(seq, b.seriesIds, b.timestamps, b.values, b.count, b.producerId);
  }

  /**
   * Per point its series slot in `head`: `slots[i]` is the slot of `keys[index[i]]`. The
   * array returned is valid until the next call.
   */
  resolve(
    head: Head,
    producer: bigint,
    keys: BigUint64Array,
    index: Uint32Array,
    count: number,
  ): Int32Array {
    if (head !== this.head) {
      this.head = head;
      this.last.clear();
      this.clearTable();
    }
    const bytes = Buffer.from(keys.buffer, keys.byteOffset, keys.length * 8);
    const cached = this.last.get(producer);
    let slots: Int32Array;
    if (cached !== undefined && cached.keys.equals(bytes)) slots = cached.slots;
    else {
      slots = this.lookUp(head, keys);
      if (this.last.size >= MAX_PRODUCERS) this.last.delete(this.last.keys().next().value!);
      this.last.set(producer, { keys: Buffer.from(bytes), slots });
    }
    if (this.out.length < count) this.out = new Int32Array(Math.max(count, 2 * this.out.length));
    const out = this.out;
    for (let i = 0; i < count; i++) out[i] = slots[index[i]!]!;
    return out.subarray(0, count);
  }

  /** The slot of every key of the table. */
  private lookUp(head: Head, keys: BigUint64Array): Int32Array {
    const k = keys.length;
    const words = new Int32Array(keys.buffer, keys.byteOffset, 2 * k);
    const slots = new Int32Array(k);
    for (let j = 0; j < k; j++) {
      const lo = words[2 * j]!;
      const hi = words[2 * j + 1]!;
      let at = this.find(lo, hi);
      if (this.slotOf[at] === EMPTY) {
        const slot = head.getOrCreate(keys[j]!).slot;
        if (2 * (this.size + 1) > this.slotOf.length) {
          this.grow();
          at = this.find(lo, hi);
        }
        this.keyWords[2 * at] = lo;
        this.keyWords[2 * at + 1] = hi;
        this.slotOf[at] = slot;
        this.size++;
      }
      slots[j] = this.slotOf[at]!;
    }
    return slots;
  }

  /** The position of the key, or of the free place where it would go. */
  private find(lo: number, hi: number): number {
    const mask = this.slotOf.length - 1;
    const kw = this.keyWords;
    const sv = this.slotOf;
    // Series ids are FNV-1a hashes: mixing the halves once spreads them well enough.
    let at = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
    while (sv[at] !== EMPTY && (kw[2 * at] !== lo || kw[2 * at + 1] !== hi)) at = (at + 1) & mask;
    return at;
  }

  private grow(): void {
    const oldWords = this.keyWords;
    const oldSlots = this.slotOf;
    const n = oldSlots.length * 2;
    this.keyWords = new Int32Array(2 * n);
    this.slotOf = new Int32Array(n).fill(EMPTY);
    this.shift--;
    for (let i = 0; i < oldSlots.length; i++) {
      if (oldSlots[i] === EMPTY) continue;
      const at = this.find(oldWords[2 * i]!, oldWords[2 * i + 1]!);
      this.keyWords[2 * at] = oldWords[2 * i]!;
      this.keyWords[2 * at + 1] = oldWords[2 * i + 1]!;
      this.slotOf[at] = oldSlots[i]!;
    }
  }

  private clearTable(): void {
    this.keyWords = new Int32Array(2 * 1024);
    this.slotOf = new Int32Array(1024).fill(EMPTY);
    this.size = 0;
    this.shift = 32 - 10;
  }
}
