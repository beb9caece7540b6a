import { MAX_CHUNK_POINTS, decodeChunk, encodeChunk } from '@ztsdb/chunkenc';
import { InvalidInputError } from '@ztsdb/errors';
import { OutOfOrderError } from '../errors';
import { MemSeries, SeriesColumns } from './mem-series';
import { OpenChunks } from './open-chunks';
import { OooBuffer } from './ooo-buffer';
import { clipRange, type VersionedPoints } from '../encoding/points';
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
/** Version used for unsealed out-of-order points: newer than anything stored. */
export const OOO_LIVE_VERSION = Number.MAX_SAFE_INTEGER;
/** Read once: the CommonJS build turns an imported binding into a getter call at each use, and this one is read per sample. */
const CHUNK_POINTS = MAX_CHUNK_POINTS;

/**
 * Hot chunks of one partition (Prometheus' head): per series an open in-order
 * Gorilla chunk (in OpenChunks, by series slot) and a small out-of-order buffer.
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
  /** Per-slot numbers of the series (their lastT). */
  readonly cols = new SeriesColumns();
  /** The open in-order chunks, by series slot. */
  readonly open = new OpenChunks();
  private readonly byId = new Map<bigint, MemSeries>();
  private sealed: SealedChunk[] = [];
  /** Next write-order number (persisted in checkpoints). */
  nextVersion = 1;
  readonly partition: number;
  readonly maxChunkAgeMs: number;
  readonly outOfOrderWindowMs: number;
  readonly oooCapacity: number;
  /** Backfill open chunks the last paced sealByAge looked at (it then changed their pacing state). */
  pacedSeen = 0;
  constructor(opts: HeadOptions = {}) {
    this.partition = opts.partition ?? 0;
    this.maxChunkAgeMs = opts.maxChunkAgeMs ?? DEFAULT_MAX_CHUNK_AGE_MS;
    this.outOfOrderWindowMs = opts.outOfOrderWindowMs ?? DEFAULT_OOO_WINDOW_MS;
    this.oooCapacity = opts.oooCapacity ?? DEFAULT_OOO_CAPACITY;
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
      s = new MemSeries(id, this.series.length, this.partition, this.cols);
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
    if (t > s.lastT) {
      this.appendInOrder(s, t, v);
      s.lastT = t;
      return;
    }
    this.appendOoo(s, t, v);
  }

  /**
   * The common case of appendTo on its own: t is newer than the series' last
   * in-order point and fits its open chunk without sealing it. Appends and
   * returns true; returns false (nothing done) otherwise, when appendTo must
   * decide (seal, start a chunk, out of order).
   */
  appendToOpen(s: MemSeries, t: number, v: number): boolean {
    return this.appendToOpenAt(s.slot, t, v);
  }

  /** appendToOpen by slot, without the series' object (HotState's batch append: see SeriesColumns). */
  appendToOpenAt(slot: number, t: number, v: number): boolean {
    const last = this.cols.lastT;
    if (!(t > last[slot]!) || !this.open.appendIfFits(slot, t, v, this.maxChunkAgeMs)) return false;
    last[slot] = t;
    return true;
  }

  /**
   * appendToOpenAt for the points `from` … `to - 1` of a batch whose slots are known, in
   * order, until one needs more than the common path (OpenChunks.appendRun): returns its
   * index (`to` when every point went in); the caller takes it through appendToOpenAt or
   * appendTo and goes on after it.
   */
  appendRunAt(
    slots: Int32Array,
    ts: Float64Array,
    vs: Float64Array,
    from: number,
    to: number,
  ): number {
    return this.open.appendRun(slots, ts, vs, from, to, this.cols.lastT, this.maxChunkAgeMs);
  }

  /** Points in the open chunk of `s` (0: none open). */
  openCount(s: MemSeries): number {
    return this.open.count(s.slot);
  }

  /** The open chunk of `s` as chunk bytes (a copy), or null when none is open. */
  openBytes(s: MemSeries): Uint8Array | null {
    return this.open.count(s.slot) > 0 ? this.open.bytes(s.slot) : null;
  }

  /** Size of the open chunk of `s` as chunk bytes (0: none open). */
  openByteLength(s: MemSeries): number {
    return this.open.count(s.slot) > 0 ? this.open.byteLength(s.slot) : 0;
  }

  /** Writes the open chunk of `s` as chunk bytes into `out` at `at` (openByteLength(s) bytes); `crc` false leaves its trailer zero. */
  writeOpenTo(s: MemSeries, out: Uint8Array, at: number, crc = true): void {
    this.open.writeTo(s.slot, out, at, crc);
  }

  /** Makes a finished chunk the open chunk of `s` (snapshot restore); throws ChunkCorruptError. */
  resumeOpen(s: MemSeries, chunk: Uint8Array, verifyChecksum = true): void {
    this.open.resume(s.slot, chunk, verifyChecksum);
  }

  /** The in-order step of appendTo (t is newer than every point of the open chunk). */
  private appendInOrder(s: MemSeries, t: number, v: number): void {
    const open = this.open;
    const slot = s.slot;
    const n = open.count(slot);
    if (n > 0 && (n >= CHUNK_POINTS || t - open.minT(slot) >= this.maxChunkAgeMs)) this.sealOpen(s);
    if (open.count(slot) === 0) {
      open.start(slot, s.chunkBytesHint);
      s.openVersion = this.nextVersion++;
      s.tickVersion = -1;
    }
    open.append(slot, t, v);
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

  private sealOpen(s: MemSeries): void {
    const open = this.open;
    const slot = s.slot;
    const count = open.count(slot);
    if (count === 0) return;
    s.chunkBytesHint = Math.min(65_536, open.byteLength(slot) + 64);
    this.sealed.push({
      seriesId: s.id,
      minT: open.minT(slot),
      maxT: open.maxT(slot),
      count,
      version: s.openVersion,
      bytes: open.bytes(slot),
    });
    open.close(slot);
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
   *
   * `paced` (the ingestor's periodic tick, nowMs = wall clock) treats an open
   * chunk whose newest point is itself older than the maximum age as
   * backfill: data far behind now, which the wall clock says nothing about.
   * Such a chunk is cut by its own timestamps (append seals it at 8,192
   * points or a span of maxChunkAgeMs) and sealed here only when a whole tick
   * passed without a point for it (the backfill stopped), when it has been
   * open for maxChunkAgeMs of tick clock since a tick first saw it, or at the
   * first tick after a restore from a snapshot (its earlier ticks are not
   * known). Live data (newest point younger than the maximum age) is sealed
   * exactly as without `paced`. docs/format/wal.md, "Head rules".
   */
  sealByAge(nowMs: number, paced = false): number {
    const before = this.sealed.length;
    this.pacedSeen = 0;
    const age = this.maxChunkAgeMs;
    const pace = paced && Number.isFinite(nowMs);
    const open = this.open;
    for (const s of this.series) {
      const n = open.count(s.slot);
      if (n > 0 && nowMs - open.minT(s.slot) >= age) {
        if (!pace || nowMs - open.maxT(s.slot) < age || this.backfillDue(s, n, nowMs))
          this.sealOpen(s);
      }
      if (s.ooo !== null && nowMs - s.oooSince >= age) this.sealOoo(s);
    }
    return this.sealed.length - before;
  }

  /** The paced decision for a backfill open chunk (see sealByAge); records what this tick saw. */
  private backfillDue(s: MemSeries, count: number, nowMs: number): boolean {
    this.pacedSeen++;
    if (s.tickVersion !== s.openVersion) {
      // Restored from a snapshot (0): its earlier ticks are unknown, so it goes now.
      if (s.tickVersion !== -1) return true;
      s.tickVersion = s.openVersion;
      s.tickCount = count;
      s.tickSince = nowMs;
      return false;
    }
    if (count === s.tickCount || nowMs - s.tickSince >= this.maxChunkAgeMs) return true;
    s.tickCount = count;
    return false;
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
    const open = this.open;
    const slot = s.slot;
    if (open.count(slot) > 0 && open.maxT(slot) >= start && open.minT(slot) <= end) {
      out.push(clipRange({ ...decodeChunk(open.bytes(slot)), version: s.openVersion }, start, end));
    }
    if (s.ooo !== null && s.ooo.count > 0 && s.ooo.maxT >= start && s.ooo.minT <= end) {
      out.push(clipRange({ ...s.ooo.points(), version: OOO_LIVE_VERSION }, start, end));
    }
    return out;
  }

  /** Number of points held in open chunks and out-of-order buffers. */
  get openPoints(): number {
    let n = 0;
    for (const s of this.series) n += this.open.count(s.slot) + (s.ooo?.count ?? 0);
    return n;
  }
}
