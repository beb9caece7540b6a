import { MAX_CHUNK_POINTS, XorAppender, decodeChunk, encodeChunk } from '@ztsdb/chunkenc';
import { InvalidInputError } from '@ztsdb/errors';
import { OutOfOrderError } from './errors';
import { MemSeries } from './mem-series';
import { OooBuffer } from './ooo-buffer';
import { clipRange, type VersionedPoints } from './points';
import type { SealedChunk } from './sealed-chunk';

export interface HeadOptions {
  /** Partition this head serves (recorded on each series). */
  partition?: number;
  /** A chunk is sealed once it spans this much data time, or on sealByAge(now) when now - minT >= this. */
  maxChunkAgeMs?: number;
  /** Samples older than the series' newest minus this are refused by append(). */
  outOfOrderWindowMs?: number;
  /** Out-of-order points per series kept unsealed before they become their own chunk. */
  oooCapacity?: number;
}

export const DEFAULT_MAX_CHUNK_AGE_MS = 2 * 3600_000;
export const DEFAULT_OOO_WINDOW_MS = 10 * 60_000;
export const DEFAULT_OOO_CAPACITY = 1024;
/** In-order points staged per series before they go into its open chunk (Head.appendStaged). */
const STAGE = 64;
/** Version used for unsealed out-of-order points: newer than anything stored. */
export const OOO_LIVE_VERSION = Number.MAX_SAFE_INTEGER;

/**
 * Hot chunks of one partition (Prometheus' head): per series an open in-order
 * Gorilla chunk and a small out-of-order buffer.
 *
 * Ordering rules (see docs/format/wal.md, "Head"):
 * - t > lastT goes to the open chunk; it is sealed first if it holds
 *   MAX_CHUNK_POINTS points or if t - minT >= maxChunkAgeMs. A new open chunk
 *   takes the next version when started.
 * - t <= lastT (within the window) goes to the out-of-order buffer, replacing
 *   a value with the same timestamp. The buffer becomes a chunk, with the next
 *   version at that moment, when it holds oooCapacity points or on sealByAge.
 * Hence a point written later always sits in a unit with a higher version, and
 * merging by version gives "latest write wins".
 */
export class Head {
  readonly series: MemSeries[] = [];
  private readonly byId = new Map<bigint, MemSeries>();
  private sealed: SealedChunk[] = [];
  /** Next write-order number (persisted in checkpoints). */
  nextVersion = 1;
  readonly partition: number;
  readonly maxChunkAgeMs: number;
  readonly outOfOrderWindowMs: number;
  readonly oooCapacity: number;
  /**
   * Staging for the batched path (appendStaged): per series slot up to STAGE
   * in-order points not yet in the open chunk, so appends to one appender
   * happen in runs (cache-friendly with thousands of series) instead of one
   * point at a time. Staged points count as written: `lastT` covers them and
   * read() returns them. See flushStaged() for when they move on.
   */
  /** (t, v) pairs, STAGE pairs per slot: one cache line holds four staged points. */
  private stage = new Float64Array(0);
  private stageN = new Int32Array(0);
  private stageListed = new Uint8Array(0);
  private stagedSlots: number[] = [];
  /** Series ids by slot as (low, high) u32 pairs: a compact table the WAL writer reads. */
  private ids = new Uint32Array(128);

  constructor(opts: HeadOptions = {}) {
    this.partition = opts.partition ?? 0;
    this.maxChunkAgeMs = opts.maxChunkAgeMs ?? DEFAULT_MAX_CHUNK_AGE_MS;
    this.outOfOrderWindowMs = opts.outOfOrderWindowMs ?? DEFAULT_OOO_WINDOW_MS;
    this.oooCapacity = opts.oooCapacity ?? DEFAULT_OOO_CAPACITY;
  }

  /** Series ids by slot, (low, high) u32 pairs (valid for slots < series.length). */
  get idWords(): Uint32Array {
    return this.ids;
  }

  get(id: bigint): MemSeries | undefined {
    return this.byId.get(id);
  }

  getOrCreate(id: bigint): MemSeries {
    let s = this.byId.get(id);
    if (s === undefined) {
      if (id < 0n || id > 0xffffffffffffffffn) {
        throw new InvalidInputError('ZTSDB_BAD_SERIES_ID', `series id must be a u64, got ${id}`);
      }
      s = new MemSeries(id, this.series.length, this.partition);
      if (2 * s.slot + 1 >= this.ids.length) {
        const bigger = new Uint32Array(this.ids.length * 2);
        bigger.set(this.ids);
        this.ids = bigger;
      }
      this.ids[2 * s.slot] = s.idLo;
      this.ids[2 * s.slot + 1] = s.idHi;
      this.series.push(s);
      this.byId.set(id, s);
    }
    return s;
  }

  /** Checked append: refuses bad timestamps and points beyond the out-of-order window. */
  append(id: bigint, t: number, v: number): void {
    if (!Number.isSafeInteger(t))
      throw new InvalidInputError('ZTSDB_BAD_TIMESTAMP', `timestamp must be integer ms, got ${t}`);
    const s = this.getOrCreate(id);
    if (t < s.lastT - this.outOfOrderWindowMs) {
      throw new OutOfOrderError(
        `sample at ${t} is older than the out-of-order window (newest ${s.lastT})`,
        {
          seriesId: id,
          timestamp: t,
          newest: s.lastT,
        },
      );
    }
    this.appendTo(s, t, v);
    if (t > s.maxSeen) s.maxSeen = t;
  }

  /** Unchecked append to a known series (the caller has validated the sample). */
  appendTo(s: MemSeries, t: number, v: number): void {
    const slot = s.slot;
    if (slot < this.stageN.length && this.stageN[slot]! > 0) this.flushSeries(s);
    if (t > s.lastT) {
      this.appendInOrder(s, t, v);
      s.lastT = t;
      return;
    }
    this.appendOoo(s, t, v);
  }

  /** The in-order step of appendTo (t is newer than every point of the open chunk). */
  private appendInOrder(s: MemSeries, t: number, v: number): void {
    let open = s.open;
    if (open !== null && (open.count >= MAX_CHUNK_POINTS || t - open.minT >= this.maxChunkAgeMs)) {
      this.sealOpen(s);
      open = null;
    }
    if (open === null) {
      open = new XorAppender(s.chunkBytesHint);
      s.open = open;
      s.openVersion = this.nextVersion++;
    }
    open.append(t, v);
  }

  private appendOoo(s: MemSeries, t: number, v: number): void {
    let ooo = s.ooo;
    if (ooo === null) {
      ooo = new OooBuffer();
      s.ooo = ooo;
      s.oooSince = s.lastT;
    }
    ooo.put(t, v);
    if (ooo.count >= this.oooCapacity) this.sealOoo(s);
  }

  /**
   * The batched form of appendTo (the engine's drain and WAL replay): an
   * in-order point is staged, an older one first moves the series' staged
   * points into its open chunk, then goes to the out-of-order buffer, so the
   * per-series order of operations, and hence every chunk and version, is the
   * same as appendTo's would be once flushStaged() has run. Live and replay
   * both use this path with the same flush points, so they stay identical.
   */
  appendStaged(s: MemSeries, t: number, v: number): void {
    if (t <= s.lastT) {
      this.appendTo(s, t, v);
      return;
    }
    const slot = s.slot;
    if (slot >= this.stageN.length) this.growStage(slot + 1);
    let k = this.stageN[slot]!;
    if (k === STAGE) {
      this.flushSeries(s);
      k = 0;
    }
    if (this.stageListed[slot] === 0) {
      this.stageListed[slot] = 1;
      this.stagedSlots.push(slot);
    }
    const at = (slot * STAGE + k) * 2;
    const stage = this.stage;
    stage[at] = t;
    stage[at + 1] = v;
    this.stageN[slot] = k + 1;
    s.lastT = t;
  }

  /** Moves one series' staged points into its open chunk (sealing as appendTo would). */
  private flushSeries(s: MemSeries): void {
    const slot = s.slot;
    const n = this.stageN[slot]!;
    if (n === 0) return;
    this.stageN[slot] = 0;
    const base = slot * STAGE * 2;
    const stage = this.stage;
    for (let k = 0; k < 2 * n; k += 2)
      this.appendInOrder(s, stage[base + k]!, stage[base + k + 1]!);
  }

  /**
   * Moves every staged point into the open chunks, series in the order they
   * were first staged since the last flush. Called by sealByAge (a WAL seal
   * record, so replay flushes at the same point) and before snapshots.
   */
  flushStaged(): void {
    const slots = this.stagedSlots;
    if (slots.length === 0) return;
    this.stagedSlots = [];
    for (const slot of slots) {
      this.stageListed[slot] = 0;
      this.flushSeries(this.series[slot]!);
    }
  }

  private growStage(min: number): void {
    const cap = Math.max(min, this.stageN.length * 2, 64);
    const st = new Float64Array(cap * STAGE * 2);
    const n = new Int32Array(cap);
    const l = new Uint8Array(cap);
    st.set(this.stage);
    n.set(this.stageN);
    l.set(this.stageListed);
    this.stage = st;
    this.stageN = n;
    this.stageListed = l;
  }

  /** Appends `n` samples addressed by series slot (the drain path). */
  appendSlots(slots: Int32Array, ts: Float64Array, vs: Float64Array, n: number): void {
    const series = this.series;
    for (let i = 0; i < n; i++) this.appendStaged(series[slots[i]!]!, ts[i]!, vs[i]!);
  }

  private sealOpen(s: MemSeries): void {
    const open = s.open;
    if (open === null) return;
    s.open = null;
    if (open.count === 0) return;
    s.chunkBytesHint = Math.min(65_536, open.byteLength + 64);
    this.sealed.push({
      seriesId: s.id,
      minT: open.minT,
      maxT: open.maxT,
      count: open.count,
      version: s.openVersion,
      bytes: open.bytes(),
    });
  }

  private sealOoo(s: MemSeries): void {
    const ooo = s.ooo;
    if (ooo === null) return;
    s.ooo = null;
    if (ooo.count === 0) return;
    this.sealed.push({
      seriesId: s.id,
      minT: ooo.minT,
      maxT: ooo.maxT,
      count: ooo.count,
      version: this.nextVersion++,
      bytes: encodeChunk(ooo.timestamps, ooo.values, 0, ooo.count),
    });
  }

  /**
   * Seals open chunks with nowMs - minT >= maxChunkAgeMs and out-of-order
   * buffers started at least that long before nowMs (by data time).
   * sealByAge(Infinity) seals everything. Returns how many chunks were sealed.
   */
  sealByAge(nowMs: number): number {
    this.flushStaged();
    const before = this.sealed.length;
    for (const s of this.series) {
      if (s.open !== null && nowMs - s.open.minT >= this.maxChunkAgeMs) this.sealOpen(s);
      if (s.ooo !== null && nowMs - s.oooSince >= this.maxChunkAgeMs) this.sealOoo(s);
    }
    return this.sealed.length - before;
  }

  /** Sealed chunks not yet taken, oldest first. */
  peekSealed(): readonly SealedChunk[] {
    return this.sealed;
  }

  /** Puts sealed chunks back in the queue (checkpoint restore). */
  restoreSealed(chunks: SealedChunk[]): void {
    this.sealed.push(...chunks);
  }

  /** Removes and returns the sealed chunks; the caller now owns them. */
  takeSealed(): SealedChunk[] {
    const out = this.sealed;
    this.sealed = [];
    return out;
  }

  /** Hot data of one series within [start, end]: open chunk, out-of-order buffer, untaken sealed chunks. */
  read(id: bigint, start: number, end: number): VersionedPoints[] {
    const s = this.byId.get(id);
    const out: VersionedPoints[] = [];
    for (const c of this.sealed) {
      if (c.seriesId === id && c.maxT >= start && c.minT <= end) {
        out.push(clipRange({ ...decodeChunk(c.bytes), version: c.version }, start, end));
      }
    }
    if (s === undefined) return out;
    if (s.open !== null && s.open.count > 0 && s.open.maxT >= start && s.open.minT <= end) {
      out.push(clipRange({ ...decodeChunk(s.open.bytes()), version: s.openVersion }, start, end));
    }
    if (s.ooo !== null && s.ooo.count > 0 && s.ooo.maxT >= start && s.ooo.minT <= end) {
      out.push(clipRange({ ...s.ooo.points(), version: OOO_LIVE_VERSION }, start, end));
    }
    const k = s.slot < this.stageN.length ? this.stageN[s.slot]! : 0;
    if (k > 0) {
      // Staged points are newer than every other point of the series, so no
      // timestamp of theirs is in another unit: their version never decides.
      const base = s.slot * STAGE * 2;
      const timestamps = new Float64Array(k);
      const values = new Float64Array(k);
      for (let i = 0; i < k; i++) {
        timestamps[i] = this.stage[base + 2 * i]!;
        values[i] = this.stage[base + 2 * i + 1]!;
      }
      if (timestamps[k - 1]! >= start && timestamps[0]! <= end)
        out.push(clipRange({ timestamps, values, version: OOO_LIVE_VERSION - 1 }, start, end));
    }
    return out;
  }

  /** Number of points held in open chunks and out-of-order buffers. */
  get openPoints(): number {
    let n = 0;
    for (const s of this.series) n += (s.open?.count ?? 0) + (s.ooo?.count ?? 0);
    for (let i = 0; i < this.stageN.length; i++) n += this.stageN[i]!;
    return n;
  }
}
