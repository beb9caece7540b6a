import type { Head } from '@ztsdb/tsdb';

/** Producers whose last key table is kept (as HotState keeps their last id column). */
const MAX_PRODUCERS = 1 << 12;

/**
 * Head series slots of a version 3 batch's points, from its series key table: each key is
 * looked up once per batch rather than once per point (the head's lookup makes a BigInt and
 * hashes it), and not at all when a producer sends the same table again (a collector's tick,
 * in the same series order). Slots of a head never change, so a table's slots stay valid for
 * as long as that head: the cache is dropped when the head is another one (a takeover).
 */
export class KeySlots {
  private head: Head | undefined;
  private readonly last = new Map<bigint, { keys: Buffer; slots: Int32Array }>();

  /** Per point its series slot in `head`: `slots[i]` is the slot of `keys[index[i]]`. */
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
    }
    const bytes = Buffer.from(keys.buffer, keys.byteOffset, keys.length * 8);
    const cached = this.last.get(producer);
    let slots: Int32Array;
    if (cached !== undefined && cached.keys.equals(bytes)) slots = cached.slots;
    else {
      slots = new Int32Array(keys.length);
      for (let k = 0; k < keys.length; k++) slots[k] = head.getOrCreate(keys[k]!).slot;
      if (this.last.size >= MAX_PRODUCERS) this.last.delete(this.last.keys().next().value!);
      this.last.set(producer, { keys: Buffer.from(bytes), slots });
    }
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = slots[index[i]!]!;
    return out;
  }
}
