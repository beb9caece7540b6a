import { crc32c } from '@ztsdb/checksum';
import { SAMPLE_BATCH_HEADER_BYTES } from '@ztsdb/wire';

/** "ZTSB" as a little-endian u32, and version 2 (docs/format/sample-batch.md). */
const MAGIC = 0x4253545a;
const VERSION_2 = 2;
const HEADER = SAMPLE_BATCH_HEADER_BYTES;
const TRAILER = 4;
const TWO_32 = 4294967296;
/** Version 2 indexes its dictionaries with u16. */
const MAX_KEYS = 0xffff;
/** Entries are carved from slabs of this size; a slab is reused once LMDB wrote every entry in it. */
const SLAB_BYTES = 1 << 20;
/** Written-out slabs kept for reuse per writer (beyond them, the garbage collector takes them). */
const SPARE_SLABS = 4;

/** A slab and how many of its entries LMDB has not yet written. */
interface Slab {
  bytes: Uint8Array;
  used: number;
  pending: number;
}

/** An encoded entry: a view on a slab; `done()` once LMDB no longer reads it. */
export interface WalEntry {
  bytes: Uint8Array;
  done: () => void;
}

/**
 * Writes the embedded engine's WAL entries: sample batch version 2, the same
 * bytes as `encodeSampleBatchV2` of libs/wire gives for the batch (a test
 * compares them). The engine knows each point's series slot in its head, so
 * distinct series are found by slot (one generation mark per slot) instead of
 * hashing ids, and the entry is carved from a reused 1 MiB slab: lmdb-js
 * keeps a pointer to the value until its transaction is written, and a fresh
 * zero-filled buffer per entry (and its collection) was the larger part of the
 * encoder's cost in the insert profile.
 */
export class WalEntryWriter {
  private slotGen = new Int32Array(256);
  private slotKey = new Int32Array(256);
  private generation = 0;
  private keySlots: Int32Array;
  private readonly tsKeys: Float64Array;
  private readonly seriesIndex: Uint16Array;
  private readonly tsIndex: Uint16Array;
  private readonly tsMap = new Map<number, number>();
  private slab: Slab | null = null;
  private readonly spare: Slab[] = [];

  constructor(readonly maxPoints: number) {
    if (maxPoints > MAX_KEYS) throw new RangeError(`at most ${MAX_KEYS} points per entry`);
    this.keySlots = new Int32Array(maxPoints);
    this.tsKeys = new Float64Array(maxPoints);
    this.seriesIndex = new Uint16Array(maxPoints);
    this.tsIndex = new Uint16Array(maxPoints);
  }

  /**
   * Encodes `count` points (≤ maxPoints): `slots[i]` is point i's series slot,
   * `idsBySlot` the series ids by slot as (low, high) u32 pairs, timestamps
   * integer milliseconds.
   */
  encode(
    partition: number,
    producerId: bigint,
    sequence: bigint,
    idsBySlot: Uint32Array,
    slots: Int32Array,
    ts: Float64Array,
    vs: Float64Array,
    count: number,
  ): WalEntry {
    if (count > this.maxPoints)
      throw new RangeError(`entry of ${count} points exceeds ${this.maxPoints}`);
    const gen = this.nextGeneration(idsBySlot.length >>> 1);
    const { slotGen, slotKey, keySlots, tsKeys, seriesIndex, tsIndex, tsMap } = this;
    tsMap.clear();
    let s = 0;
    let tn = 0;
    let lastTs = NaN;
    let lastTsIndex = 0;
    for (let i = 0; i < count; i++) {
      const slot = slots[i]!;
      if (slotGen[slot] !== gen) {
        slotGen[slot] = gen;
        slotKey[slot] = s;
        keySlots[s++] = slot;
      }
      seriesIndex[i] = slotKey[slot]!;
      const t = ts[i]!;
      if (t !== lastTs) {
        let j = tsMap.get(t);
        if (j === undefined) {
          j = tn++;
          tsKeys[j] = t;
          tsMap.set(t, j);
        }
        lastTs = t;
        lastTsIndex = j;
      }
      tsIndex[i] = lastTsIndex;
    }
    const length = HEADER + 8 * s + 8 * tn + 12 * count + TRAILER;
    const slab = this.take(length);
    const at = slab.used;
    // The next entry starts 8-byte aligned, so its value column can be a Float64Array view.
    slab.used = (at + length + 7) & ~7;
    slab.pending++;
    const bytes = slab.bytes.subarray(at, at + length);
    const buf = bytes.buffer;
    const base = bytes.byteOffset;
    const view = new DataView(buf, base, length);
    view.setUint32(0, MAGIC, true);
    view.setUint8(4, VERSION_2);
    view.setUint8(5, 0);
    view.setUint16(6, partition, true);
    view.setUint32(8, count, true);
    view.setUint16(12, s, true);
    view.setUint16(14, tn, true);
    view.setBigUint64(16, producerId, true);
    view.setBigUint64(24, sequence, true);
    let off = base + HEADER;
    const idWords = new Uint32Array(buf, off, 2 * s);
    for (let k = 0; k < s; k++) {
      const slot = keySlots[k]!;
      idWords[2 * k] = idsBySlot[2 * slot]!;
      idWords[2 * k + 1] = idsBySlot[2 * slot + 1]!;
    }
    off += 8 * s;
    const tsWords = new Uint32Array(buf, off, 2 * tn);
    for (let j = 0; j < tn; j++) {
      const t = tsKeys[j]!;
      const hi = Math.floor(t / TWO_32);
      tsWords[2 * j] = t - hi * TWO_32;
      tsWords[2 * j + 1] = hi >>> 0;
    }
    off += 8 * tn;
    new Float64Array(buf, off, count).set(vs.subarray(0, count));
    off += 8 * count;
    new Uint16Array(buf, off, count).set(seriesIndex.subarray(0, count));
    off += 2 * count;
    new Uint16Array(buf, off, count).set(tsIndex.subarray(0, count));
    view.setUint32(length - TRAILER, crc32c(bytes, 0, length - TRAILER), true);
    return { bytes, done: () => this.release(slab) };
  }

  /** A new generation of the per-slot marks, which grow to cover `slots` slots. */
  private nextGeneration(slots: number): number {
    if (this.slotGen.length < slots) {
      let n = this.slotGen.length;
      while (n < slots) n *= 2;
      this.slotGen = new Int32Array(n);
      this.slotKey = new Int32Array(n);
      this.generation = 0;
    }
    if (++this.generation === 0x7fffffff) {
      this.slotGen.fill(0);
      this.generation = 1;
    }
    return this.generation;
  }

  /** The slab to carve `length` bytes from: the current one, a spare or a new one. */
  private take(length: number): Slab {
    const cur = this.slab;
    if (cur !== null && cur.used + length <= cur.bytes.length) return cur;
    if (cur !== null && cur.pending === 0) this.retire(cur);
    const next = this.spare.pop() ?? {
      bytes: new Uint8Array(Math.max(SLAB_BYTES, length)),
      used: 0,
      pending: 0,
    };
    next.used = 0;
    this.slab = next;
    return next;
  }

  private release(slab: Slab): void {
    slab.pending--;
    if (slab.pending === 0 && slab !== this.slab) this.retire(slab);
  }

  private retire(slab: Slab): void {
    if (this.spare.length < SPARE_SLABS && slab.bytes.length === SLAB_BYTES) this.spare.push(slab);
  }
}
