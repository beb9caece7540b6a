// Over 400 lines: one class whose encoder steps share the bit writer's state in its fields; split
// across modules they would not be inlined into the append, which runs once per sample, and
// appendRun, the batch form, works on the same per-slot columns directly.
import * as enc from '@ztsdb/chunkenc';
import { crc32c } from '@ztsdb/checksum';
import { WordSlab, SLAB_CLASSES, SLAB_PAGE_WORDS, slabClassFor, slabClassWords } from './word-slab';

// Module-local copies: imported bindings are getter reads in CommonJS output.
const CHUNK_VERSION = enc.CHUNK_VERSION;
const HEADER = enc.CHUNK_HEADER_BYTES;
const TRAILER = enc.CHUNK_TRAILER_BYTES;
const PACKED = enc.PACKED_CHUNK_VERSION;
const DOD_BITS_1 = enc.DOD_BITS_1;
const DOD_BITS_2 = enc.DOD_BITS_2;
const DOD_BITS_3 = enc.DOD_BITS_3;
const LIM_1 = 1 << (DOD_BITS_1 - 1);
const LIM_2 = 1 << (DOD_BITS_2 - 1);
const LIM_3 = 1 << (DOD_BITS_3 - 1);
const MASK_1 = (1 << DOD_BITS_1) - 1;
const MASK_2 = (1 << DOD_BITS_2) - 1;
const MASK_3 = (1 << DOD_BITS_3) - 1;
const TWO_32 = 4294967296;
const NO_WINDOW = 0xff;
const CHUNK_POINTS = enc.MAX_CHUNK_POINTS;
/**
 * Full words appendRun keeps per slot in a column before it writes them, with the next one, to
 * the slot's region (16 bytes, one cache line, at once). The regions of 100,000 series are
 * tens of megabytes visited in turn: each word written alone was a store that missed the
 * cache, and stores leave the store buffer in order, so each held up the append for about a
 * memory access (bench:ingest: a sixth of the ingestor's CPU on that one store).
 */
const PEND_WORDS = 3;
const { f64: F64, i32: I32, hi: HI, lo: LO } = enc.makeFloatScratch();

/**
 * The open Gorilla chunks of a head, one per series slot, as typed columns
 * indexed by slot with their bit streams in a shared WordSlab: no object per
 * series or per chunk. Each full word of a stream is stored big-endian (a
 * DataView store, one swapped store once compiled), so a chunk's bytes are its
 * words' bytes as they lie: writeTo and resume copy them with one memcpy where
 * a word-by-word byte swap was most of a head snapshot's time. The encoding is XorAppender's, bit for bit (its
 * timestamp and XOR value writers with their state in the columns), so a
 * sealed chunk has the same bytes whichever path built it (docs/format/chunk.md).
 * A slot with count 0 has no open chunk.
 */
/** Decoded points of the chunk being resumed (checkChunk bounds n by MAX_CHUNK_POINTS). */
const RESUME_TS = new Float64Array(enc.MAX_CHUNK_POINTS);
const RESUME_VS = new Float64Array(enc.MAX_CHUNK_POINTS);

/** The writer's page while no stream is loaded. */
const NO_WORDS = new Int32Array(0);
const NO_WORDS_VIEW = new DataView(NO_WORDS.buffer);

export class OpenChunks {
  private readonly slab = new WordSlab();
  private cap = 0;
  private counts = new Int32Array(0);
  private lo = new Float64Array(0);
  private hi = new Float64Array(0);
  private prevT = new Float64Array(0);
  private prevDelta = new Float64Array(0);
  private prevHi = new Int32Array(0);
  private prevLo = new Int32Array(0);
  private lead = new Uint8Array(0);
  private trail = new Uint8Array(0);
  /** Bit stream: pending bits (left-aligned), their number, full words written, region and its class. */
  private acc = new Int32Array(0);
  private accBits = new Uint8Array(0);
  private words = new Int32Array(0);
  /** Full words not yet in the region (appendRun), PEND_WORDS per slot, and their number. */
  private pend = new Int32Array(0);
  private pendN = new Uint8Array(0);
  private ref = new Float64Array(0);
  private cls = new Uint8Array(0);

  // The stream being written by append(): its slot's bit writer state, loaded once per point.
  private wPage: Int32Array = NO_WORDS;
  private wView: DataView = NO_WORDS_VIEW;
  private wBase = 0;
  private wCap = 0;
  private wSlot = 0;
  private wAcc = 0;
  private wBits = 0;
  private wCount = 0;

  /** Points in the open chunk of `slot` (0: none). */
  count(slot: number): number {
    return slot < this.cap ? this.counts[slot]! : 0;
  }

  /** Smallest timestamp of the open chunk (Infinity while empty). */
  minT(slot: number): number {
    return this.count(slot) > 0 ? this.lo[slot]! : Infinity;
  }

  /** Largest timestamp of the open chunk (-Infinity while empty). */
  maxT(slot: number): number {
    return this.count(slot) > 0 ? this.hi[slot]! : -Infinity;
  }

  /** Size of the chunk bytes() would return now. */
  byteLength(slot: number): number {
    return (
      HEADER +
      (this.words[slot]! + this.pendN[slot]!) * 4 +
      ((this.accBits[slot]! + 7) >>> 3) +
      TRAILER
    );
  }

  /** Bytes the bit streams hold in the slab, and the slab's pages (for memory figures). */
  get slabBytes(): { used: number; reserved: number } {
    return { used: this.slab.usedWords * 4, reserved: this.slab.reservedBytes };
  }

  /** Starts an empty chunk for `slot` with room for about `hintBytes` bytes (replacing any open one). */
  start(slot: number, hintBytes: number): void {
    if (slot >= this.cap) this.grow(slot);
    this.close(slot);
    const c = slabClassFor(Math.ceil(hintBytes / 4));
    this.ref[slot] = this.slab.alloc(c);
    this.cls[slot] = c;
    this.counts[slot] = 0;
    this.words[slot] = 0;
    this.pendN[slot] = 0;
    this.acc[slot] = 0;
    this.accBits[slot] = 0;
    this.lead[slot] = NO_WINDOW;
    this.trail[slot] = 0;
    this.prevT[slot] = 0;
    this.prevDelta[slot] = 0;
    this.lo[slot] = Infinity;
    this.hi[slot] = -Infinity;
  }

  /** Drops the open chunk of `slot` (after sealing it) and frees its region. */
  close(slot: number): void {
    if (slot >= this.cap || this.ref[slot]! < 0) return;
    this.slab.release(this.ref[slot]!, this.cls[slot]!);
    this.ref[slot] = -1;
    this.counts[slot] = 0;
    this.pendN[slot] = 0;
    // The writer's page (load() sets it again before any write) may be one the slab just gave
    // back: held here, 1 MiB a partition stayed alive after every chunk was sealed.
    this.wPage = NO_WORDS;
    this.wView = NO_WORDS_VIEW;
  }

  /** Gives back the slab's spare pages (the process idles): WordSlab.shed. */
  shedSpare(): void {
    this.slab.shed();
  }

  /**
   * Appends one point to the started chunk of `slot`. The caller (the head)
   * has checked it: `t` a safe integer, fewer than MAX_CHUNK_POINTS points.
   */
  append(slot: number, t: number, v: number): void {
    const n = this.counts[slot]!;
    if (n > 0) return this.appendNext(slot, n, t, v);
    this.load(slot);
    F64[0] = v;
    const vh = I32[HI]!;
    const vl = I32[LO]!;
    this.int64(t);
    this.prevT[slot] = t;
    this.prevDelta[slot] = 0;
    this.put(vh, 32);
    this.put(vl, 32);
    this.prevHi[slot] = vh;
    this.prevLo[slot] = vl;
    this.counts[slot] = 1;
    this.lo[slot] = t;
    this.hi[slot] = t;
    this.store(slot);
  }

  /**
   * The common case of the head's append on its own: appends to the open chunk of `slot` when
   * there is one and it takes the point without being sealed first (fewer than
   * MAX_CHUNK_POINTS points, `t - minT < maxAgeMs`); returns false, having done nothing,
   * otherwise. `t` is a safe integer newer than every point of the chunk (the head checked).
   */
  appendIfFits(slot: number, t: number, v: number, maxAgeMs: number): boolean {
    if (slot >= this.cap) return false;
    const n = this.counts[slot]!;
    if (n === 0 || n >= CHUNK_POINTS || t - this.lo[slot]! >= maxAgeMs) return false;
    this.appendNext(slot, n, t, v);
    return true;
  }

  /**
   * The batch form of appendIfFits, for the points `from` … `to - 1` of a batch (`slots[i]`,
   * `ts[i]`, `vs[i]`): appends them in order while each is newer than `lastT[slot]` (the
   * head's per-slot newest in-order point, updated here) and takes the common path: the open
   * chunk takes it without being sealed or its region regrown, and its timestamp's
   * delta-of-delta takes one of the three shortest steps (within ±8,192). Returns the index of the first point it did not
   * append (`to` when all went in); the caller takes that one the general way and calls
   * again after it. The bits are appendNext's, bit for bit.
   *
   * Why a loop of its own with the steps written out: called once per point, the append
   * passed the point's timestamp and value through four or five calls (appendIfFits,
   * appendNext, timestamp, value, window, put), which V8 left out of line once the apply
   * loop had used its inlining budget; each call boxed the two doubles as heap numbers (about
   * 30 bytes a point for the young generation) and reloaded the writer's state from fields.
   * Here the point's numbers stay in registers and the bit writer's state in locals.
   */
  appendRun(
    slots: Int32Array,
    ts: Float64Array,
    vs: Float64Array,
    from: number,
    to: number,
    lastT: Float64Array,
    maxAgeMs: number,
  ): number {
    const counts = this.counts;
    const pend = this.pend;
    const cap = this.cap;
    for (let i = from; i < to; i++) {
      const slot = slots[i]!;
      const t = ts[i]!;
      if (slot >= cap || !(t > lastT[slot]!)) return i;
      const n = counts[slot]!;
      if (n === 0 || n >= CHUNK_POINTS || t - this.lo[slot]! >= maxAgeMs) return i;
      // A point writes at most 17 + 13 + 64 bits: three words may fill; else regrow (general path).
      let count = this.words[slot]!;
      let pn = this.pendN[slot]!;
      const ref = this.ref[slot]!;
      if (count + pn + 3 > slabClassWords(this.cls[slot]!)) return i;
      const prevT = this.prevT[slot]!;
      const prevDelta = this.prevDelta[slot]!;
      const dod = t - prevT - prevDelta;
      const delta = prevDelta + dod;
      if (prevT + delta !== t || !(dod >= -LIM_2 && dod < LIM_2)) return i;
      // The timestamp step's bits (TimestampWriter), then the value's control bits after them.
      let head: number;
      let headBits: number;
      if (dod === 0) {
        head = 0;
        headBits = 1;
      } else if (dod >= -LIM_1 && dod < LIM_1) {
        head = (0b10 << DOD_BITS_1) | (dod & MASK_1);
        headBits = 2 + DOD_BITS_1;
      } else {
        head = (0b110 << DOD_BITS_2) | (dod & MASK_2);
        headBits = 3 + DOD_BITS_2;
      }
      // The XOR value step (XorValueWriter): its control bits join the timestamp's (≤ 30 bits).
      F64[0] = vs[i]!;
      const vh = I32[HI]!;
      const vl = I32[LO]!;
      const xh = vh ^ this.prevHi[slot]!;
      const xl = vl ^ this.prevLo[slot]!;
      let wLead = 0;
      let wTrail = 0;
      let hasWindow = false;
      if (xh === 0 && xl === 0) {
        head <<= 1;
        headBits += 1;
      } else {
        let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
        if (lead > 31) lead = 31;
        const trail = xl !== 0 ? 31 - Math.clz32(xl & -xl) : 63 - Math.clz32(xh & -xh);
        const pl = this.lead[slot]!;
        const pt = this.trail[slot]!;
        hasWindow = true;
        if (pl !== NO_WINDOW && lead >= pl && trail >= pt && lead + trail - pl - pt <= 11) {
          head = (head << 2) | 0b10;
          headBits += 2;
          wLead = pl;
          wTrail = pt;
        } else {
          this.lead[slot] = lead;
          this.trail[slot] = trail;
          head = (head << 13) | (0b11 << 11) | (lead << 6) | ((64 - lead - trail) & 63);
          headBits += 13;
          wLead = lead;
          wTrail = trail;
        }
      }
      // Up to three writes of ≤ 32 bits (put(), written out): the head, then the window's bits.
      const p = Math.floor(ref / SLAB_PAGE_WORDS);
      const view = this.slab.views[p]!;
      const at = (ref - p * SLAB_PAGE_WORDS) * 4;
      let acc = this.acc[slot]!;
      let bits = this.accBits[slot]!;
      for (let part = 0; part < 3; part++) {
        let value: number;
        let nb: number;
        if (part === 0) {
          value = head;
          nb = headBits;
        } else {
          if (!hasWindow) break;
          const end = 64 - wTrail;
          if (end <= 32) {
            if (part === 2) break;
            value = xh >>> (32 - end);
            nb = end - wLead;
          } else if (wLead >= 32) {
            if (part === 2) break;
            value = xl >>> (64 - end);
            nb = end - wLead;
          } else if (part === 1) {
            value = xh;
            nb = 32 - wLead;
          } else {
            value = xl >>> (64 - end);
            nb = end - 32;
          }
        }
        const free = 32 - bits;
        if (nb < free) {
          acc |= value << (free - nb);
          bits += nb;
        } else {
          const rest = nb - free;
          const word = acc | (value >>> rest);
          const pb = slot * PEND_WORDS;
          if (pn < PEND_WORDS) pend[pb + pn++] = word;
          else {
            // Big-endian, the chunk's order (see the class comment).
            const w = at + count * 4;
            view.setInt32(w, pend[pb]!);
            view.setInt32(w + 4, pend[pb + 1]!);
            view.setInt32(w + 8, pend[pb + 2]!);
            view.setInt32(w + 12, word);
            count += PEND_WORDS + 1;
            pn = 0;
          }
          acc = rest === 0 ? 0 : value << (32 - rest);
          bits = rest;
        }
      }
      this.acc[slot] = acc;
      this.accBits[slot] = bits;
      this.words[slot] = count;
      this.pendN[slot] = pn;
      this.prevT[slot] = t;
      if (dod !== 0) this.prevDelta[slot] = delta;
      this.prevHi[slot] = vh;
      this.prevLo[slot] = vl;
      counts[slot] = n + 1;
      if (t < this.lo[slot]!) this.lo[slot] = t;
      if (t > this.hi[slot]!) this.hi[slot] = t;
      lastT[slot] = t;
    }
    return to;
  }

  /** A point after the first (`n` > 0 points so far): the timestamp and value steps. */
  private appendNext(slot: number, n: number, t: number, v: number): void {
    this.load(slot);
    F64[0] = v;
    const vh = I32[HI]!;
    const vl = I32[LO]!;
    this.timestamp(slot, t);
    this.value(slot, vh, vl);
    this.prevHi[slot] = vh;
    this.prevLo[slot] = vl;
    this.counts[slot] = n + 1;
    if (t < this.lo[slot]!) this.lo[slot] = t;
    if (t > this.hi[slot]!) this.hi[slot] = t;
    this.store(slot);
  }

  /** Keeps the bit writer state of the w* fields as the state of `slot` (after load). */
  private store(slot: number): void {
    this.acc[slot] = this.wAcc;
    this.accBits[slot] = this.wBits;
    this.words[slot] = this.wCount;
  }

  /** The complete chunk of `slot` so far (a fresh copy), as XorAppender.bytes() gives it. */
  bytes(slot: number): Uint8Array {
    const out = new Uint8Array(this.byteLength(slot));
    this.writeTo(slot, out, 0);
    return out;
  }

  /**
   * Writes the bytes that bytes(slot) would return into `out` at `at` (which must
   * have byteLength(slot) bytes free there); returns the offset after them. A head
   * snapshot lays out every open chunk this way, without a copy of each. With `crc` false
   * the trailer is left zero (a head snapshot, whose own CRC covers the chunk bytes).
   */
  writeTo(slot: number, out: Uint8Array, at: number, crc = true): number {
    const n = this.counts[slot]!;
    out[at] = CHUNK_VERSION;
    out[at + 1] = n >>> 8;
    out[at + 2] = n & 0xff;
    const ref = this.ref[slot]!;
    const page = this.slab.pages[WordSlab.page(ref)]!;
    const base = ref - WordSlab.page(ref) * SLAB_PAGE_WORDS;
    let o = at + HEADER;
    // The full words are stored big-endian (put()), the chunk's order: one copy.
    const words = this.words[slot]!;
    out.set(new Uint8Array(page.buffer, page.byteOffset + base * 4, words * 4), o);
    o += words * 4;
    for (let k = 0; k < this.pendN[slot]!; k++) {
      const w = this.pend[slot * PEND_WORDS + k]!;
      out[o] = w >>> 24;
      out[o + 1] = w >>> 16;
      out[o + 2] = w >>> 8;
      out[o + 3] = w;
      o += 4;
    }
    const acc = this.acc[slot]!;
    for (let b = 0; b < this.accBits[slot]!; b += 8) out[o++] = acc >>> (24 - b);
    const sum = crc ? crc32c(out, at, o) : 0;
    out[o] = sum >>> 24;
    out[o + 1] = sum >>> 16;
    out[o + 2] = sum >>> 8;
    out[o + 3] = sum;
    return o + TRAILER;
  }

  /**
   * Makes `chunk` (a finished chunk of either version) the open chunk of
   * `slot`, ready for more points: later bytes() equal those of a chunk that
   * received every point here. A Gorilla chunk's bits are copied and its
   * encoder state taken from one decode; a packed chunk is decoded and
   * re-appended. Throws ChunkCorruptError.
   */
  resume(slot: number, chunk: Uint8Array, verifyChecksum = true): void {
    const n = enc.checkChunk(chunk, verifyChecksum);
    this.close(slot);
    if (n === 0) return;
    this.start(slot, chunk.length + 16);
    if (chunk[0] === PACKED) {
      const d = enc.decodeChunk(chunk);
      for (let i = 0; i < n; i++) this.append(slot, d.timestamps[i]!, d.values[i]!);
      return;
    }
    // Decoded into module scratch: a takeover resumes every open chunk of a partition, and two
    // new arrays per chunk were a fifth of its cost (allocation and GC).
    const ts = RESUME_TS;
    const bodyEnd = chunk.length - TRAILER;
    const st = enc.decodeXorStream(chunk, HEADER, bodyEnd, n, ts, RESUME_VS);
    const fullWords = st.bitLength >>> 5;
    this.load(slot);
    // The whole words go straight into the region (it was started with room for the chunk),
    // their bytes in the chunk's order as put() leaves them.
    let o = HEADER;
    while (this.wCap < fullWords) this.regrow();
    const page = this.wPage;
    new Uint8Array(page.buffer, page.byteOffset + this.wBase * 4, fullWords * 4).set(
      chunk.subarray(o, o + fullWords * 4),
    );
    o += fullWords * 4;
    this.wCount = fullWords;
    const rest = st.bitLength & 31;
    if (rest > 0) {
      let word = 0;
      for (let k = 0; k < 4; k++) word = (word << 8) | (o + k < bodyEnd ? chunk[o + k]! : 0);
      this.put(word >>> (32 - rest), rest);
    }
    this.acc[slot] = this.wAcc;
    this.accBits[slot] = this.wBits;
    this.words[slot] = this.wCount;
    this.counts[slot] = n;
    this.prevT[slot] = st.lastT;
    this.prevDelta[slot] = st.lastDelta;
    this.prevHi[slot] = st.lastHi;
    this.prevLo[slot] = st.lastLo;
    this.lead[slot] = st.leading < 0 ? NO_WINDOW : st.leading;
    this.trail[slot] = st.leading < 0 ? 0 : st.trailing;
    let lo = ts[0]!;
    let hi = lo;
    for (let i = 1; i < n; i++) {
      const t = ts[i]!;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    this.lo[slot] = lo;
    this.hi[slot] = hi;
  }

  /** The delta-of-delta timestamp step (TimestampWriter.write after the first point). */
  private timestamp(slot: number, t: number): void {
    const prevT = this.prevT[slot]!;
    const prevDelta = this.prevDelta[slot]!;
    const dod = t - prevT - prevDelta;
    const delta = prevDelta + dod;
    this.prevT[slot] = t;
    if (prevT + delta === t) {
      if (dod === 0) return this.put(0, 1);
      if (dod >= -LIM_1 && dod < LIM_1) {
        this.put((0b10 << DOD_BITS_1) | (dod & MASK_1), 2 + DOD_BITS_1);
        this.prevDelta[slot] = delta;
        return;
      }
      if (dod >= -LIM_2 && dod < LIM_2) {
        this.put((0b110 << DOD_BITS_2) | (dod & MASK_2), 3 + DOD_BITS_2);
        this.prevDelta[slot] = delta;
        return;
      }
      if (dod >= -LIM_3 && dod < LIM_3) {
        this.put((0b1110 << DOD_BITS_3) | (dod & MASK_3), 4 + DOD_BITS_3);
        this.prevDelta[slot] = delta;
        return;
      }
    }
    this.put(0b1111, 4);
    this.int64(t);
    this.prevDelta[slot] = t - prevT;
  }

  /** The XOR value step (XorValueWriter.write after the first value). */
  private value(slot: number, hi: number, lo: number): void {
    const xh = hi ^ this.prevHi[slot]!;
    const xl = lo ^ this.prevLo[slot]!;
    if (xh === 0 && xl === 0) return this.put(0, 1);
    let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    if (lead > 31) lead = 31;
    const trail = xl !== 0 ? 31 - Math.clz32(xl & -xl) : 63 - Math.clz32(xh & -xh);
    const pl = this.lead[slot]!;
    const pt = this.trail[slot]!;
    // Reuse the previous window when it holds the bits and does not waste more
    // than the 11 header bits a new window would cost.
    if (pl !== NO_WINDOW && lead >= pl && trail >= pt && lead + trail - pl - pt <= 11) {
      this.put(0b10, 2);
      this.window(xh, xl, pl, pt);
      return;
    }
    this.lead[slot] = lead;
    this.trail[slot] = trail;
    const sig = 64 - lead - trail;
    this.put((0b11 << 11) | (lead << 6) | (sig & 63), 13);
    this.window(xh, xl, lead, trail);
  }

  /** Bits [lead, 64 - trail) of the 64-bit word (xh, xl). */
  private window(xh: number, xl: number, lead: number, trail: number): void {
    const end = 64 - trail;
    if (end <= 32) {
      this.put(xh >>> (32 - end), end - lead);
    } else if (lead >= 32) {
      this.put(xl >>> (64 - end), end - lead);
    } else {
      this.put(xh, 32 - lead);
      this.put(xl >>> (64 - end), end - 32);
    }
  }

  /** A safe integer as 64-bit two's complement, high word first. */
  private int64(t: number): void {
    const h = Math.floor(t / TWO_32);
    this.put(h >>> 0, 32);
    this.put((t - h * TWO_32) >>> 0, 32);
  }

  /** Loads the bit writer state of `slot` into the w* fields. */
  private load(slot: number): void {
    const ref = this.ref[slot]!;
    const p = WordSlab.page(ref);
    this.wSlot = slot;
    this.wPage = this.slab.pages[p]!;
    this.wView = this.slab.views[p]!;
    this.wBase = ref - p * SLAB_PAGE_WORDS;
    this.wCap = slabClassWords(this.cls[slot]!);
    this.wAcc = this.acc[slot]!;
    this.wBits = this.accBits[slot]!;
    this.wCount = this.words[slot]!;
    // The words appendRun kept back go to the region first: the steps below write after them.
    const pn = this.pendN[slot]!;
    if (pn > 0) {
      for (let k = 0; k < pn; k++) {
        if (this.wCount === this.wCap) this.regrow();
        this.wView.setInt32((this.wBase + this.wCount++) * 4, this.pend[slot * PEND_WORDS + k]!);
      }
      this.pendN[slot] = 0;
      this.words[slot] = this.wCount;
    }
  }

  /** Writes the low `n` bits of `value` (1 ≤ n ≤ 32; higher bits zero): BitWriter.writeBits. */
  private put(value: number, n: number): void {
    const free = 32 - this.wBits;
    if (n < free) {
      this.wAcc |= value << (free - n);
      this.wBits += n;
      return;
    }
    const rest = n - free;
    if (this.wCount === this.wCap) this.regrow();
    this.wView.setInt32((this.wBase + this.wCount++) * 4, this.wAcc | (value >>> rest));
    this.wAcc = rest === 0 ? 0 : value << (32 - rest);
    this.wBits = rest;
  }

  /** Moves the stream being written to a region of the next class. */
  private regrow(): void {
    const slot = this.wSlot;
    const c = this.cls[slot]!;
    if (c + 1 >= SLAB_CLASSES) throw new RangeError('open chunk larger than a slab page');
    const ref = this.slab.alloc(c + 1);
    const p = WordSlab.page(ref);
    const page = this.slab.pages[p]!;
    const base = ref - p * SLAB_PAGE_WORDS;
    page.set(this.wPage.subarray(this.wBase, this.wBase + this.wCount), base);
    this.slab.release(this.ref[slot]!, c);
    this.ref[slot] = ref;
    this.cls[slot] = c + 1;
    this.wPage = page;
    this.wView = this.slab.views[p]!;
    this.wBase = base;
    this.wCap = slabClassWords(c + 1);
  }

  private grow(slot: number): void {
    let n = Math.max(1024, this.cap);
    while (n <= slot) n *= 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array) => {
      const b = new Uint8Array(n);
      b.set(a);
      return b;
    };
    this.counts = i32(this.counts);
    this.lo = f64(this.lo);
    this.hi = f64(this.hi);
    this.prevT = f64(this.prevT);
    this.prevDelta = f64(this.prevDelta);
    this.prevHi = i32(this.prevHi);
    this.prevLo = i32(this.prevLo);
    this.lead = u8(this.lead);
    this.trail = u8(this.trail);
    this.acc = i32(this.acc);
    this.accBits = u8(this.accBits);
    this.words = i32(this.words);
    const pend = new Int32Array(n * PEND_WORDS);
    pend.set(this.pend);
    this.pend = pend;
    this.pendN = u8(this.pendN);
    this.ref = f64(this.ref);
    this.ref.fill(-1, this.cap);
    this.cls = u8(this.cls);
    this.cap = n;
  }
}
