import { randomBytes } from 'node:crypto';

/**
 * A map from byte sequences to non-negative integers that looks a key up where it lies in a
 * caller's buffer: hashed in place and compared byte for byte against a copy kept in one
 * arena, in an open-addressing table. A receiver finds a known series by its label bytes with
 * no string, object or allocation per lookup (a Map keyed by strings needs a string made of
 * the bytes, about a hundred, for every series of every request).
 *
 * Senders tend to send the same keys in the same order every time (Prometheus: a target's
 * series in the order of its scrape), so each entry remembers the one looked up after it: a
 * lookup first compares with the successor of the last key found, and only hashes when that
 * is not it.
 */
export class ByteKeyTable {
  /** Entry number + 1 per slot; 0 is empty. */
  private slots: Int32Array;
  private hashes: Int32Array;
  private offsets: Int32Array;
  private lengths: Int32Array;
  private values: Int32Array;
  /** Per entry, the entry looked up or set right after it last time; -1 when none. */
  private successors: Int32Array;
  /** The entry last looked up or set; -1 when none. */
  private last = -1;
  private arena: Uint8Array;
  /**
   * The arena as words: keys start at multiples of four, so a compare reads one side as an
   * element and only the caller's (unaligned) side through a DataView.
   */
  private arenaWords: Int32Array;
  private used = 0;
  private count = 0;
  /**
   * A view of the last buffer looked up in: keys are read and compared four bytes at a time
   * through DataViews (several times faster than byte by byte), and a caller looks up many
   * keys in one buffer.
   */
  private lastBuf: Uint8Array | undefined;
  private lastView: DataView = new DataView(new ArrayBuffer(0));

  constructor(initialEntries = 1024) {
    let cap = 16;
    while (cap < initialEntries) cap *= 2;
    this.slots = new Int32Array(cap * 2);
    this.hashes = new Int32Array(cap);
    this.offsets = new Int32Array(cap);
    this.lengths = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.successors = new Int32Array(cap).fill(-1);
    this.arena = new Uint8Array(cap * 64);
    this.arenaWords = new Int32Array(this.arena.buffer);
  }

  /** Keys held. */
  get size(): number {
    return this.count;
  }

  /** Bytes of the arena that keys use (each starts at a multiple of four). */
  get bytes(): number {
    return this.used;
  }

  /** The value of the key `buf[start, end)`, or -1. */
  get(buf: Uint8Array, start: number, end: number): number {
    const view = this.viewOf(buf, start, end);
    const len = end - start;
    const prev = this.last;
    if (prev >= 0) {
      const guess = this.successors[prev]!;
      if (guess >= 0 && this.lengths[guess] === len && this.same(guess, view, start, len)) {
        this.last = guess;
        return this.values[guess]!;
      }
    }
    const h = hashView(view, start, end);
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s]! - 1;
      if (e < 0) return -1;
      if (this.hashes[e] === h && this.lengths[e] === len && this.same(e, view, start, len)) {
        this.follows(prev, e);
        return this.values[e]!;
      }
    }
  }

  /** Notes that `e` came right after `prev`, and makes `e` the last entry. */
  private follows(prev: number, e: number): void {
    if (prev >= 0) this.successors[prev] = e;
    this.last = e;
  }

  /** Sets the value of the key `buf[start, end)` (`value` ≥ 0). */
  set(buf: Uint8Array, start: number, end: number, value: number): void {
    if (!(value >= 0 && value <= 0x7fffffff)) throw new RangeError(`value ${value} out of range`);
    const view = this.viewOf(buf, start, end);
    const h = hashView(view, start, end);
    const mask = this.slots.length - 1;
    const len = end - start;
    let s = h & mask;
    for (; ; s = (s + 1) & mask) {
      const e = this.slots[s]! - 1;
      if (e < 0) break;
      if (this.hashes[e] === h && this.lengths[e] === len && this.same(e, view, start, len)) {
        this.values[e] = value;
        this.follows(this.last, e);
        return;
      }
    }
    if (this.count === this.hashes.length) {
      this.growEntries();
      this.set(buf, start, end, value);
      return;
    }
    const at = (this.used + 3) & ~3;
    if (at + len > this.arena.length) {
      let n = this.arena.length * 2;
      while (n < at + len) n *= 2;
      const a = new Uint8Array(n);
      a.set(this.arena.subarray(0, this.used));
      this.arena = a;
      this.arenaWords = new Int32Array(a.buffer);
    }
    const e = this.count++;
    this.arena.set(buf.subarray(start, end), at);
    this.hashes[e] = h;
    this.offsets[e] = at;
    this.lengths[e] = len;
    this.values[e] = value;
    this.successors[e] = -1;
    this.used = at + len;
    this.slots[s] = e + 1;
    this.follows(this.last, e);
  }

  /** Forgets every key (the arrays are kept). */
  clear(): void {
    this.slots.fill(0);
    this.count = 0;
    this.used = 0;
    this.last = -1;
  }

  /** A view of `buf` (indexes as in `buf`), checked to hold `[start, end)`. */
  private viewOf(buf: Uint8Array, start: number, end: number): DataView {
    if (buf !== this.lastBuf) {
      this.lastBuf = buf;
      this.lastView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    if (!(start >= 0 && start <= end && end <= buf.length))
      throw new RangeError(`key [${start}, ${end}) outside a buffer of ${buf.length} bytes`);
    return this.lastView;
  }

  private same(e: number, view: DataView, start: number, len: number): boolean {
    const words = this.arenaWords;
    const o = this.offsets[e]!;
    let w = o >>> 2;
    let i = 0;
    for (; i + 8 <= len; i += 8, w += 2)
      if (
        words[w] !== view.getInt32(start + i, LITTLE_ENDIAN) ||
        words[w + 1] !== view.getInt32(start + i + 4, LITTLE_ENDIAN)
      )
        return false;
    if (i + 4 <= len) {
      if (words[w] !== view.getInt32(start + i, LITTLE_ENDIAN)) return false;
      i += 4;
    }
    const bytes = this.arena;
    for (; i < len; i++) if (bytes[o + i] !== view.getUint8(start + i)) return false;
    return true;
  }

  /** Twice the entries, and the slots rebuilt (the table stays at most half full). */
  private growEntries(): void {
    const cap = this.hashes.length * 2;
    const widen = (old: Int32Array): Int32Array => {
      const a = new Int32Array(cap);
      a.set(old);
      return a;
    };
    this.hashes = widen(this.hashes);
    this.offsets = widen(this.offsets);
    this.lengths = widen(this.lengths);
    this.values = widen(this.values);
    const successors = new Int32Array(cap).fill(-1);
    successors.set(this.successors);
    this.successors = successors;
    this.slots = new Int32Array(cap * 2);
    const mask = this.slots.length - 1;
    for (let e = 0; e < this.count; e++) {
      let s = this.hashes[e]! & mask;
      while (this.slots[s] !== 0) s = (s + 1) & mask;
      this.slots[s] = e + 1;
    }
  }
}

/** Int32Array elements are in the platform's byte order; DataView reads must match it. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Per process, so which keys share a slot cannot be worked out from the code alone. */
const SEED = randomBytes(4).readInt32LE(0);

/**
 * 32-bit hash of `view[start, end)`: murmur3 (x86, 32-bit) over four bytes a step, with its
 * finaliser so the slot bits depend on every byte.
 */
function hashView(view: DataView, start: number, end: number): number {
  let h = SEED ^ (end - start);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let k = view.getInt32(i, true);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  for (let sh = 0; i < end; i++, sh += 8) k |= view.getUint8(i) << sh;
  h ^= Math.imul(Math.imul(k, 0xcc9e2d51), 0x1b873593);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x7fffffff;
}
