// Over 400 lines: one class owns a mapped cold file's block table (typed columns built at
// open); whole reads, reads by index at a query's steps, sampling at a query's steps and the
// background block checks all index into it and share its checked-block marks.
import {
  decodeTimestampBlock,
  decodeTimestampBlockInto,
  decodeValueBlock,
  decodeValueBlockInto,
  MAX_BLOCK_POINTS,
  pickPackedLaidOut,
  pickValueBlock,
  steadyTimestamps,
  tagInflates,
  valueBlockPickable,
  valueTagPickable,
  valueTagHoldsNoNaN,
  valueBlockLayoutInto,
  valueBlockLayoutLength,
} from '@ztsdb/blockenc';
import { crc32c } from '@ztsdb/checksum';
import { CorruptionError } from '@ztsdb/errors';
import { MappedFile } from '@ztsdb/fileutil';
import {
  COLD_BLOCK_ENTRY_BYTES,
  COLD_FOOTER_BYTES,
  COLD_HEADER_BYTES,
  COLD_MAGIC,
  COLD_SERIES_ENTRY_BYTES,
  COLD_MIN_VERSION,
  COLD_VERSION,
  type ColdSeries,
} from './cold-format';
import { ColdCorruptError, type SkipSink } from '../errors';
import { lowerBound, upperBound, type VersionedPoints } from '../encoding/points';
import { thinArrays, type StepInstants } from '../encoding/step-thin';

const TWO_32 = 2 ** 32;

/** Decode scratch of the step-thinned read, grown as needed (reads are synchronous). */
let scratchT = new Float64Array(8192);
let scratchV = new Float64Array(8192);
/** Per block of a step-sampled read: its index, first scratch position, and whether its values are in scratchV. */
let readBlocks = new Int32Array(64);
let readStarts = new Int32Array(64);
let readWhole = new Uint8Array(64);
let readT0 = new Float64Array(64);
/** A block's step when its timestamps are steady, else 0 (decoded into scratchT). */
let readStep = new Float64Array(64);
/** Where a block's packed-value layout starts in its reader's `layouts`, or -1 (picked from the block). */
let readLayout = new Int32Array(64);
/** Makes the per-block scratch of a step-sampled read hold `blocks` blocks. */
function growReadScratch(blocks: number): void {
  if (readBlocks.length >= blocks) return;
  readBlocks = new Int32Array(blocks);
  readStarts = new Int32Array(blocks);
  readWhole = new Uint8Array(blocks);
  readT0 = new Float64Array(blocks);
  readStep = new Float64Array(blocks);
  readLayout = new Int32Array(blocks);
}
let scratchKeep = new Uint32Array(1024);
/** sampleAtInstants: per instant, the place of its point among the picks (-1: none); the picks' values. */
let scratchAt = new Int32Array(1024);
let scratchPicked = new Float64Array(1024);
const NO_INDEXES = new Uint32Array(0);

/** Room in the scratch for `n` more points after the first `at`, which are kept. */
function growScratch(at: number, n: number): void {
  if (at + n <= scratchT.length) return;
  const size = Math.max(at + n, scratchT.length * 2);
  const t = new Float64Array(size);
  const v = new Float64Array(size);
  t.set(scratchT.subarray(0, at));
  v.set(scratchV.subarray(0, at));
  scratchT = t;
  scratchV = v;
}

/**
 * readAtInstantsIfPickable leaves a series to its caller's cache when the instants are more
 * than this share of its points (a raw read at the scrape interval): picking nearly every
 * value by index costs more than thinning a column decoded once and cached.
 */
const PICK_SHARE = 4;
/** The largest page-cache folio the kernel maps whole on a fault (a PMD: 2 MiB on x86-64). */
const FOLIO_MARGIN_BYTES = 2 * 1024 * 1024;

/** Per-block statistics from the index (no decoding needed). */
export interface ColdBlockInfo {
  minT: number;
  maxT: number;
  minV: number;
  maxV: number;
  count: number;
}

/**
 * Reads a cold columnar file in place (mmap). Header, footer and index are
 * checked at open (ColdCorruptError: file unusable); each block's CRC-32C is
 * checked when read, a bad block is reported to the skip sink and left out.
 * Blocks outside the asked range are not touched. A file opened from a path is
 * immutable, so each of its blocks is checked on its first read only (as in
 * WarmReader); a failed check is reported on every read, and a buffer given to
 * fromBuffer() is checked on every read.
 */
export class ColdReader {
  readonly partition: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly seriesCount: number;
  readonly blockCount: number;
  readonly minT: number;
  readonly maxT: number;
  private readonly series = new Map<bigint, { first: number; n: number; version: number }>();
  private readonly ids: bigint[] = [];
  private readonly bMinT: Float64Array;
  private readonly bMaxT: Float64Array;
  private readonly bMinV: Float64Array;
  private readonly bMaxV: Float64Array;
  private readonly bOffset: Float64Array;
  private readonly bCount: Uint32Array;
  private readonly bTsLen: Uint32Array;
  private readonly bValLen: Uint32Array;
  private readonly bTsCrc: Uint32Array;
  private readonly bValCrc: Uint32Array;
  /** 1 for a block whose two CRC-32Cs passed (mapped files only: their bytes never change). */
  private readonly verified: Uint8Array | null;
  /** 1 for a block whose packed value block's frames were checked (mapped files only). */
  private readonly shaped: Uint8Array | null;
  /**
   * Per block of a mapped file, readied once (readyBlock, with the background check or at its
   * first read): a steady timestamp block's first timestamp and step (step 0: not steady, decoded
   * per read; NaN: not readied), and where its packed value block's layout starts in `layouts`
   * (-1: none), so a read by index parses neither block again.
   */
  private readonly bT0: Float64Array | null;
  private readonly bStep: Float64Array | null;
  private readonly bLayout: Int32Array | null;
  private layouts = new Float64Array(0);
  private layoutsEnd = 0;
  private readiedN = 0;
  private verifiedN = 0;

  private constructor(
    readonly file: string,
    private readonly buf: Uint8Array,
    private readonly mapped: MappedFile | null,
  ) {
    const fail = (m: string, offset: number): ColdCorruptError =>
      new ColdCorruptError(`${file}: ${m}`, { file, offset });
    const len = buf.length;
    if (len < COLD_HEADER_BYTES + COLD_FOOTER_BYTES)
      throw fail(`${len} bytes is too short for a cold file`, 0);
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const f = len - COLD_FOOTER_BYTES;
    if (crc32c(buf, f, f + 48, crc32c(buf, 0, COLD_HEADER_BYTES)) !== dv.getUint32(f + 48, true))
      throw fail('footer CRC-32C mismatch', f + 48);
    if (dv.getUint32(0, true) !== COLD_MAGIC || dv.getUint32(f + 44, true) !== COLD_MAGIC)
      throw fail('bad magic', 0);
    if (buf[4]! < COLD_MIN_VERSION || buf[4]! > COLD_VERSION)
      throw fail(`unsupported version ${buf[4]}`, 4);
    if (buf[5] !== 0 || dv.getUint16(6, true) !== 0 || dv.getUint32(12, true) !== 0)
      throw fail('reserved header bytes set', 5);
    this.partition = dv.getUint32(8, true);
    this.windowStart = dv.getFloat64(16, true);
    this.windowEnd = dv.getFloat64(24, true);
    const u64 = (o: number): number => dv.getUint32(o + 4, true) * TWO_32 + dv.getUint32(o, true);
    const indexOffset = u64(f);
    const indexLength = u64(f + 8);
    this.seriesCount = dv.getUint32(f + 16, true);
    this.blockCount = dv.getUint32(f + 20, true);
    this.minT = dv.getFloat64(f + 24, true);
    this.maxT = dv.getFloat64(f + 32, true);
    if (indexOffset < COLD_HEADER_BYTES || indexOffset + indexLength !== f)
      throw fail('index bounds do not match the file', f);
    if (
      indexLength !==
      this.seriesCount * COLD_SERIES_ENTRY_BYTES + this.blockCount * COLD_BLOCK_ENTRY_BYTES
    ) {
      throw fail('index length does not match its counts', f + 8);
    }
    if (crc32c(buf, indexOffset, f) !== dv.getUint32(f + 40, true))
      throw fail('index CRC-32C mismatch', indexOffset);
    const n = this.blockCount;
    this.bMinT = new Float64Array(n);
    this.bMaxT = new Float64Array(n);
    this.bMinV = new Float64Array(n);
    this.bMaxV = new Float64Array(n);
    this.bOffset = new Float64Array(n);
    this.bCount = new Uint32Array(n);
    this.bTsLen = new Uint32Array(n);
    this.bValLen = new Uint32Array(n);
    this.bTsCrc = new Uint32Array(n);
    this.bValCrc = new Uint32Array(n);
    this.verified = mapped ? new Uint8Array(n) : null;
    this.shaped = mapped ? new Uint8Array(n) : null;
    this.bT0 = mapped ? new Float64Array(n) : null;
    this.bStep = mapped ? new Float64Array(n).fill(NaN) : null;
    this.bLayout = mapped ? new Int32Array(n).fill(-1) : null;
    let p = indexOffset;
    let b = 0;
    let expect = COLD_HEADER_BYTES;
    for (let s = 0; s < this.seriesCount; s++) {
      const id = dv.getBigUint64(p, true);
      const version = u64(p + 8);
      const k = dv.getUint32(p + 16, true);
      p += COLD_SERIES_ENTRY_BYTES;
      if (b + k > n || this.series.has(id))
        throw fail('bad series entry', p - COLD_SERIES_ENTRY_BYTES);
      this.series.set(id, { first: b, n: k, version });
      this.ids.push(id);
      for (let j = 0; j < k; j++, b++, p += COLD_BLOCK_ENTRY_BYTES) {
        this.bMinT[b] = dv.getFloat64(p, true);
        this.bMaxT[b] = dv.getFloat64(p + 8, true);
        this.bMinV[b] = dv.getFloat64(p + 16, true);
        this.bMaxV[b] = dv.getFloat64(p + 24, true);
        this.bOffset[b] = u64(p + 32);
        this.bCount[b] = dv.getUint32(p + 40, true);
        if (this.bCount[b]! > MAX_BLOCK_POINTS)
          throw fail(`block of ${this.bCount[b]} points (at most ${MAX_BLOCK_POINTS})`, p + 40);
        this.bTsLen[b] = dv.getUint32(p + 44, true);
        this.bValLen[b] = dv.getUint32(p + 48, true);
        this.bTsCrc[b] = dv.getUint32(p + 52, true);
        this.bValCrc[b] = dv.getUint32(p + 56, true);
        if (this.bOffset[b] !== expect) throw fail('blocks do not tile the data region', p + 32);
        expect += this.bTsLen[b]! + this.bValLen[b]!;
      }
    }
    if (b !== n || expect !== indexOffset)
      throw fail('block entries do not cover the data region', indexOffset);
  }

  static open(path: string): ColdReader {
    const mf = MappedFile.open(path);
    try {
      return new ColdReader(path, mf.buffer, mf);
    } catch (err) {
      mf.close();
      throw err;
    }
  }

  static fromBuffer(buf: Uint8Array, name = '<buffer>'): ColdReader {
    return new ColdReader(name, buf, null);
  }

  seriesIds(): readonly bigint[] {
    return this.ids;
  }

  /** Index statistics of a series' blocks. */
  blocks(seriesId: bigint): ColdBlockInfo[] {
    const e = this.series.get(seriesId);
    const out: ColdBlockInfo[] = [];
    if (!e) return out;
    for (let b = e.first; b < e.first + e.n; b++) {
      out.push({
        minT: this.bMinT[b]!,
        maxT: this.bMaxT[b]!,
        minV: this.bMinV[b]!,
        maxV: this.bMaxV[b]!,
        count: this.bCount[b]!,
      });
    }
    return out;
  }

  /** Points of one series within [start, end] (null when absent); damaged blocks go to onSkip. */
  read(seriesId: bigint, start: number, end: number, onSkip?: SkipSink): VersionedPoints | null {
    if (end < this.minT || start > this.maxT) return null;
    const e = this.series.get(seriesId);
    if (e === undefined) return null;
    const parts: { t: Float64Array; v: Float64Array }[] = [];
    let total = 0;
    for (let b = e.first; b < e.first + e.n; b++) {
      if (this.bMaxT[b]! < start || this.bMinT[b]! > end) continue;
      const blk = this.decodeBlock(b, seriesId, onSkip);
      if (!blk) continue;
      const lo = lowerBound(blk.t, start);
      const hi = upperBound(blk.t, end, lo);
      if (hi > lo) {
        parts.push({ t: blk.t.subarray(lo, hi), v: blk.v.subarray(lo, hi) });
        total += hi - lo;
      }
    }
    if (parts.length === 1)
      return { timestamps: parts[0]!.t, values: parts[0]!.v, version: e.version };
    const timestamps = new Float64Array(total);
    const values = new Float64Array(total);
    let k = 0;
    for (const p of parts) {
      timestamps.set(p.t, k);
      values.set(p.v, k);
      k += p.t.length;
    }
    return { timestamps, values, version: e.version };
  }

  /**
   * Only the points of one series within [start, end] that step sampling at `inst` needs
   * (step-thin.ts), in arrays of their own (null when none). The blocks are decoded into a
   * shared scratch, so a step-sampled read of a long column allocates just the few points it
   * keeps; damaged blocks go to onSkip as for read().
   */
  readAtInstants(
    seriesId: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    onSkip?: SkipSink,
  ): VersionedPoints | null {
    if (end < this.minT || start > this.maxT) return null;
    const e = this.series.get(seriesId);
    if (e === undefined) return null;
    if (!inst.dropped || this.valuesHoldNoNaN(e, start, end))
      return this.pickAtInstants(e, seriesId, start, end, inst, onSkip);
    let n = 0;
    for (let b = e.first; b < e.first + e.n; b++) {
      if (this.bMaxT[b]! < start || this.bMinT[b]! > end) continue;
      const count = this.bCount[b]!;
      if (n + count > scratchT.length) {
        const size = Math.max(n + count, scratchT.length * 2);
        const t = new Float64Array(size);
        const v = new Float64Array(size);
        t.set(scratchT.subarray(0, n));
        v.set(scratchV.subarray(0, n));
        scratchT = t;
        scratchV = v;
      }
      if (this.decodeBlockAt(b, seriesId, n, onSkip)) n += count;
    }
    return thinArrays(scratchT, scratchV, n, start, end, inst, e.version);
  }

  /**
   * Whether a step-sampled read of this series' blocks within [start, end] reads its values
   * by index (packed-decimal or constant value blocks, docs/format/block.md) and inflates no
   * timestamp block, rather than decoding whole columns: then it costs little more than
   * thinning cached points.
   */
  pickable(seriesId: bigint, start: number, end: number): boolean {
    const e = this.series.get(seriesId);
    return e === undefined || this.pickableEntry(e, start, end);
  }

  /**
   * readAtInstants when pickable() holds for the series (with `inst.dropped`, only for value
   * blocks that cannot hold a NaN) and `inst` has at most a quarter as many instants as the
   * blocks read have points (PICK_SHARE), else undefined without reading anything: one lookup
   * for a caller that reads the series otherwise (decoded whole, through a cache).
   */
  readAtInstantsIfPickable(
    seriesId: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    onSkip?: SkipSink,
  ): VersionedPoints | null | undefined {
    if (end < this.minT || start > this.maxT) return null;
    const e = this.series.get(seriesId);
    if (e === undefined) return null;
    // With `dropped` (staleness markers left out) only blocks that cannot hold a NaN are
    // picked: none of their values is dropped, so the picks are what thinning would keep.
    const noNaN = inst.dropped !== undefined;
    if (!this.pickableEntry(e, start, end, inst.count * PICK_SHARE, noNaN)) return undefined;
    return this.pickAtInstants(e, seriesId, start, end, inst, onSkip);
  }

  /** Whether none of the entry's value blocks within [start, end] can hold a NaN (by tag). */
  private valuesHoldNoNaN(e: { first: number; n: number }, start: number, end: number): boolean {
    for (let b = e.first; b < e.first + e.n; b++) {
      if (this.bMaxT[b]! < start || this.bMinT[b]! > end) continue;
      if (!valueTagHoldsNoNaN(this.buf[this.valueOffset(b)]!)) return false;
    }
    return true;
  }

  /**
   * pickable() for an entry, and false unless the blocks read hold more than `minPoints`;
   * with `noNaN`, also false unless every value block read is one that cannot hold a NaN.
   */
  private pickableEntry(
    e: { first: number; n: number },
    start: number,
    end: number,
    minPoints = 0,
    noNaN = false,
  ): boolean {
    const buf = this.buf;
    const lays = this.bLayout;
    let points = 0;
    for (let b = e.first; b < e.first + e.n; b++) {
      if (this.bMaxT[b]! < start || this.bMinT[b]! > end) continue;
      // Readied steady and laid out: ts-const-step and uncompressed packed values (no NaN).
      if (lays !== null && lays[b]! >= 0 && this.bStep![b]! > 0) {
        points += this.bCount[b]!;
        continue;
      }
      const vtag = buf[this.valueOffset(b)]!;
      if (tagInflates(buf[this.bOffset[b]!]!) || !valueTagPickable(vtag)) return false;
      if (noNaN && !valueTagHoldsNoNaN(vtag)) return false;
      points += this.bCount[b]!;
    }
    return points > minPoints;
  }

  /**
   * Samples one series at the instants of `inst` as an instant selector does, straight from
   * the file: out[k] is the value of the last point at or before instant k within [start, end]
   * and newer than the instant less `lookbackMs`, NaN where there is none. Only for a series
   * whose blocks in the range have all been checked and readied (steady timestamps, packed
   * values laid out: readyBlock) and hold more than PICK_SHARE points per instant; otherwise
   * -1 with nothing written, and the caller reads it the usual way (which reports damage).
   * Returns how many distinct points the samples took. One pass over the instants and one
   * pick per point, with no arrays of points between: the values are those pickAtInstants,
   * a merge of that one unit and step sampling would give (readied values hold no NaN).
   */
  sampleAtInstants(
    seriesId: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    lookbackMs: number,
    out: Float64Array,
  ): number {
    const count = inst.count;
    const verified = this.verified;
    const steps = this.bStep;
    const lays = this.bLayout;
    if (verified === null || steps === null || lays === null || count === 0) return -1;
    const e = this.series.get(seriesId);
    if (e === undefined || end < this.minT || start > this.maxT) {
      out.fill(NaN, 0, count);
      return 0;
    }
    growReadScratch(e.n);
    let nb = 0;
    let points = 0;
    for (let b = e.first; b < e.first + e.n; b++) {
      if (this.bMaxT[b]! < start || this.bMinT[b]! > end) continue;
      if (verified[b] !== 1 || !this.readyBlock(b) || !(steps[b]! > 0) || lays[b]! < 0) return -1;
      readBlocks[nb] = b;
      readStarts[nb] = points;
      readT0[nb] = this.bT0![b]!;
      readStep[nb] = steps[b]!;
      nb++;
      points += this.bCount[b]!;
    }
    if (points <= count * PICK_SHARE) return -1;
    if (scratchAt.length < count) {
      scratchAt = new Int32Array(Math.max(count, scratchAt.length * 2));
      scratchPicked = new Float64Array(scratchAt.length);
    }
    if (scratchKeep.length < count)
      scratchKeep = new Uint32Array(Math.max(count, scratchKeep.length * 2));
    const at = scratchAt;
    const keep = scratchKeep;
    const counts = this.bCount;
    const first = inst.first;
    const istep = inst.step;
    let used = 0;
    let last = -1;
    let bi = 0;
    for (let k = 0; k < count; k++) {
      const t = first + k * istep;
      // The last point at or before t that is at or before end, then kept if at or after start.
      const u = t < end ? t : end;
      while (bi + 1 < nb && readT0[bi + 1]! <= u) bi++;
      const t0 = readT0[bi]!;
      at[k] = -1;
      if (t0 > u) continue;
      const step = readStep[bi]!;
      const n = counts[readBlocks[bi]!]!;
      // The division may round: settle on the exact boundary.
      let j = Math.min(n - 1, Math.floor((u - t0) / step));
      while (j > 0 && t0 + j * step > u) j--;
      while (j + 1 < n && t0 + (j + 1) * step <= u) j++;
      const ts = t0 + j * step;
      if (ts < start || ts <= t - lookbackMs) continue;
      const g = readStarts[bi]! + j;
      if (g !== last) {
        keep[used++] = g;
        last = g;
      }
      at[k] = used - 1;
    }
    const picked = scratchPicked;
    let from = 0;
    for (let i = 0; i < nb && from < used; i++) {
      const b = readBlocks[i]!;
      const hi = readStarts[i]! + counts[b]!;
      let to = from;
      while (to < used && keep[to]! < hi) to++;
      if (to === from) continue;
      // Laid out once its frames were checked whole: the picks cannot fail.
      pickPackedLaidOut(
        this.buf,
        this.valueOffset(b),
        this.layouts,
        lays[b]!,
        keep,
        from,
        to,
        readStarts[i]!,
        picked,
      );
      from = to;
    }
    for (let k = 0; k < count; k++) {
      const q = at[k]!;
      out[k] = q < 0 ? NaN : picked[q]!;
    }
    return used;
  }

  /**
   * readAtInstants without `dropped`: for each instant the last point at or before it, found
   * from each block's steady timestamps by arithmetic (others are decoded into the scratch
   * and searched), and only those points' values read, by index where the value block allows
   * (pickValueBlock), so a packed column is never decoded whole. The points kept are the ones
   * thinArrays keeps from the decoded column.
   */
  private pickAtInstants(
    e: { first: number; n: number; version: number },
    seriesId: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    onSkip?: SkipSink,
  ): VersionedPoints | null {
    if (inst.count === 0) return null;
    growReadScratch(e.n);
    let n = 0;
    let nb = 0;
    let steady = true;
    for (let b = e.first; b < e.first + e.n; b++) {
      if (this.bMaxT[b]! < start || this.bMinT[b]! > end) continue;
      const count = this.bCount[b]!;
      if (!this.readBlockAt(b, seriesId, n, nb, onSkip)) continue;
      if (readStep[nb]! <= 0) steady = false;
      readBlocks[nb] = b;
      readStarts[nb] = n;
      nb++;
      n += count;
    }
    if (nb === 0) return null;
    // a: first point at or after start; z: first after end (indexes over the blocks end to end).
    let a = -1;
    for (let i = 0; i < nb && a < 0; i++) {
      const j = this.firstAfter(i, start, true);
      if (j < this.bCount[readBlocks[i]!]!) a = readStarts[i]! + j;
    }
    let z = -1;
    for (let i = nb - 1; i >= 0 && z < 0; i--)
      if (this.tsAt(i, 0) <= end) z = readStarts[i]! + this.firstAfter(i, end, false);
    if (a < 0 || z <= a) return null;
    if (scratchKeep.length < inst.count)
      scratchKeep = new Uint32Array(Math.max(inst.count, scratchKeep.length * 2));
    const keep = scratchKeep;
    const kept = steady
      ? this.keepSteady(nb, inst, a, z, keep)
      : this.keepAny(nb, inst, a, z, keep);
    if (kept === 0) return null;
    const timestamps = new Float64Array(kept);
    const values = new Float64Array(kept);
    let k = 0;
    for (let i = 0; i < nb && k < kept; i++) {
      const b = readBlocks[i]!;
      const lo = readStarts[i]!;
      const hi = lo + this.bCount[b]!;
      let k2 = k;
      const step = readStep[i]!;
      if (step > 0) {
        const t0 = readT0[i]!;
        for (; k2 < kept && keep[k2]! < hi; k2++) timestamps[k2] = t0 + (keep[k2]! - lo) * step;
      } else {
        for (; k2 < kept && keep[k2]! < hi; k2++) timestamps[k2] = this.tsAt(i, keep[k2]! - lo);
      }
      if (k2 === k) continue;
      if (readWhole[i] === 1) {
        for (let q = k; q < k2; q++) values[q] = scratchV[keep[q]!]!;
      } else if (readLayout[i]! >= 0) {
        // Checked whole when its layout was made; the picks are within its count.
        pickPackedLaidOut(
          this.buf,
          this.valueOffset(b),
          this.layouts,
          readLayout[i]!,
          keep,
          k,
          k2,
          lo,
          values,
        );
      } else {
        // Its structure was checked by readBlockAt: the picks cannot fail.
        const off = this.valueOffset(b);
        pickValueBlock(this.buf.subarray(off, off + this.bValLen[b]!), keep, k, k2, lo, values);
      }
      k = k2;
    }
    return { timestamps, values, version: e.version };
  }

  /**
   * The points pickAtInstants keeps, as indexes over its `nb` blocks end to end written into
   * `keep`: for each instant the last point at or before it, within [a, z), each once; their
   * count. Any blocks (steady ones found by arithmetic, others searched in the scratch).
   */
  private keepAny(nb: number, inst: StepInstants, a: number, z: number, keep: Uint32Array): number {
    let kept = 0;
    let last = -1;
    let bi = 0;
    for (let k = 0; k < inst.count; k++) {
      const t = inst.first + k * inst.step;
      while (bi + 1 < nb && this.tsAt(bi + 1, 0) <= t) bi++;
      if (this.tsAt(bi, 0) > t) continue;
      let g = readStarts[bi]! + this.firstAfter(bi, t, false) - 1;
      if (g >= z) g = z - 1;
      if (g < a || g <= last) continue;
      keep[kept++] = g;
      last = g;
    }
    return kept;
  }

  /**
   * keepAny when every block read is steady (timestamp i = t0 + i·step): one loop of
   * arithmetic with no calls, what a first request runs before the JIT has compiled it.
   */
  private keepSteady(
    nb: number,
    inst: StepInstants,
    a: number,
    z: number,
    keep: Uint32Array,
  ): number {
    const counts = this.bCount;
    let kept = 0;
    let last = -1;
    let bi = 0;
    for (let k = 0; k < inst.count; k++) {
      const t = inst.first + k * inst.step;
      while (bi + 1 < nb && readT0[bi + 1]! <= t) bi++;
      const t0 = readT0[bi]!;
      if (t0 > t) continue;
      const step = readStep[bi]!;
      const count = counts[readBlocks[bi]!]!;
      // Points of the block at or before t; the division may round: settle on the boundary.
      let j = Math.min(count, Math.floor((t - t0) / step) + 1);
      while (j > 0 && t0 + (j - 1) * step > t) j--;
      while (j < count && t0 + j * step <= t) j++;
      let g = readStarts[bi]! + j - 1;
      if (g >= z) g = z - 1;
      if (g < a || g <= last) continue;
      keep[kept++] = g;
      last = g;
    }
    return kept;
  }

  /** Timestamp `j` of the `i`th block of a pickAtInstants read. */
  private tsAt(i: number, j: number): number {
    const step = readStep[i]!;
    return step > 0 ? readT0[i]! + j * step : scratchT[readStarts[i]! + j]!;
  }

  /**
   * In the `i`th block of a pickAtInstants read, the index of its first timestamp at or after
   * `x` (`orAt`) or after `x`; the block's count when there is none.
   */
  private firstAfter(i: number, x: number, orAt: boolean): number {
    const count = this.bCount[readBlocks[i]!]!;
    const step = readStep[i]!;
    if (step <= 0) {
      const s = readStarts[i]!;
      return (
        (orAt ? lowerBound(scratchT, x, s, s + count) : upperBound(scratchT, x, s, s + count)) - s
      );
    }
    const t0 = readT0[i]!;
    let j = x < t0 ? 0 : Math.min(count, Math.floor((x - t0) / step));
    // The division may round: settle on the exact boundary.
    while (j > 0 && (orAt ? t0 + (j - 1) * step >= x : t0 + (j - 1) * step > x)) j--;
    while (j < count && (orAt ? t0 + j * step < x : t0 + j * step <= x)) j++;
    return j;
  }

  /**
   * Block `b` readied for pickAtInstants as its `i`th block: a steady timestamp block kept as
   * first timestamp and step, any other decoded into scratchT from `at`; its values decoded
   * into scratchV unless its value block is readable by index (then only its structure is
   * checked, once per block of a mapped file). False for a damaged block (reported).
   */
  private readBlockAt(
    b: number,
    seriesId: bigint,
    at: number,
    i: number,
    onSkip?: SkipSink,
  ): boolean {
    if (!this.checkBlock(b, seriesId, onSkip)) return false;
    const off = this.bOffset[b]!;
    const valOff = this.valueOffset(b);
    const n = this.bCount[b]!;
    const readied = this.bStep !== null && this.readyBlock(b);
    try {
      let tn = n;
      const step = readied ? this.bStep![b]! : -1;
      if (step > 0) {
        readT0[i] = this.bT0![b]!;
        readStep[i] = step;
      } else {
        const tblock = this.buf.subarray(off, valOff);
        const steady = step === 0 ? null : steadyTimestamps(tblock);
        if (steady !== null && (steady.step > 0 || steady.count === 1)) {
          readT0[i] = steady.t0;
          readStep[i] = steady.step > 0 ? steady.step : 1;
          tn = steady.count;
        } else {
          readStep[i] = 0;
          growScratch(at, n);
          tn = decodeTimestampBlockInto(tblock, scratchT.subarray(at, at + n));
        }
      }
      readLayout[i] = readied ? this.bLayout![b]! : -1;
      if (readLayout[i]! >= 0) {
        readWhole[i] = 0;
        return this.countsMatch(b, seriesId, onSkip, tn, n);
      }
      const vblock = this.buf.subarray(valOff, valOff + this.bValLen[b]!);
      const whole = !valueBlockPickable(vblock);
      readWhole[i] = whole ? 1 : 0;
      let vn = n;
      if (whole) {
        growScratch(at, n);
        vn = decodeValueBlockInto(vblock, scratchV.subarray(at, at + n));
      } else if (this.shaped === null || this.shaped[b] !== 1) {
        vn = pickValueBlock(vblock, NO_INDEXES, 0, 0, 0, scratchV);
        if (vn === n && this.shaped !== null) this.shaped[b] = 1;
      }
      return this.countsMatch(b, seriesId, onSkip, tn, vn);
    } catch (err) {
      this.reportCorrupt(err, b, seriesId, onSkip, off);
      return false;
    }
  }

  /**
   * Readies block `b` of a mapped file for reads by index, once (its CRC-32Cs passed): a
   * steady timestamp block's first timestamp and step, and a packed value block checked whole
   * and laid out (valueBlockLayoutInto). Whether it is readied; a block that fails either
   * (damaged, or holding another count than its index entry says) is not, and the reads that
   * meet it parse it and report it as before.
   */
  private readyBlock(b: number): boolean {
    const steps = this.bStep!;
    if (!Number.isNaN(steps[b]!)) return true;
    const off = this.bOffset[b]!;
    const valOff = this.valueOffset(b);
    const n = this.bCount[b]!;
    try {
      const s = steadyTimestamps(this.buf.subarray(off, valOff));
      if (s !== null && s.count !== n) return false;
      const vblock = this.buf.subarray(valOff, valOff + this.bValLen[b]!);
      const len = valueBlockLayoutLength(vblock);
      let lay = -1;
      if (len > 0) {
        if (this.layoutsEnd + len > this.layouts.length) {
          const grown = new Float64Array(Math.max(this.layoutsEnd + len, this.layouts.length * 2));
          grown.set(this.layouts.subarray(0, this.layoutsEnd));
          this.layouts = grown;
        }
        if (valueBlockLayoutInto(vblock, this.layouts, this.layoutsEnd) !== n) return false;
        lay = this.layoutsEnd;
        this.layoutsEnd += len;
        this.shaped![b] = 1;
      }
      this.bT0![b] = s?.t0 ?? 0;
      steps[b] = s !== null && (s.step > 0 || n === 1) ? (s.step > 0 ? s.step : 1) : 0;
      this.bLayout![b] = lay;
      this.readiedN++;
      return true;
    } catch (err) {
      if (!(err instanceof CorruptionError)) throw err;
      return false;
    }
  }

  private valueOffset(b: number): number {
    return this.bOffset[b]! + this.bTsLen[b]!;
  }

  /** All intact data per series (for compaction). */
  *allSeries(onSkip?: SkipSink): Generator<ColdSeries> {
    for (const id of this.ids) {
      const p = this.read(id, -Infinity, Infinity, onSkip);
      if (p) yield { seriesId: id, version: p.version, timestamps: p.timestamps, values: p.values };
    }
  }

  /**
   * Checks the CRC-32Cs of blocks [from, to) not checked yet, ahead of any read (a mapped
   * file only: otherwise nothing is remembered), readies each block that passes for reads by
   * index (readyBlock), and returns `to` clipped to the block count. A block that fails is
   * left unchecked: the read that meets it reports it.
   */
  verifyBlocks(from: number, to: number): number {
    const known = this.verified;
    const end = Math.min(to, this.blockCount);
    if (known === null) return end;
    for (let b = from; b < end; b++) {
      if (known[b] === 1) continue;
      const off = this.bOffset[b]!;
      const valOff = off + this.bTsLen[b]!;
      if (
        crc32c(this.buf, off, valOff) === this.bTsCrc[b] &&
        crc32c(this.buf, valOff, valOff + this.bValLen[b]!) === this.bValCrc[b]
      ) {
        known[b] = 1;
        this.verifiedN++;
        this.readyBlock(b);
      }
    }
    return end;
  }

  /**
   * Lets the pages of blocks [from, to) of a mapped file leave the process's resident memory
   * (MappedFile.dropPages): once checked they are read again only by the queries that need
   * them, and a check of every block had made the whole file resident. The range is widened
   * back by FOLIO_MARGIN_BYTES: the kernel maps a large page-cache folio whole, so reading
   * these blocks may have mapped again the end of the range dropped before them. Returns the
   * bytes advised (0 for a file in a buffer).
   */
  dropPages(from: number, to: number): number {
    const end = Math.min(to, this.blockCount);
    if (!this.mapped || end <= from) return 0;
    const last = end - 1;
    return this.mapped.dropPages(
      Math.max(0, this.bOffset[from]! - FOLIO_MARGIN_BYTES),
      this.bOffset[last]! + this.bTsLen[last]! + this.bValLen[last]!,
    );
  }

  /** Bytes of the file. */
  get fileBytes(): number {
    return this.buf.length;
  }

  /** Blocks readied for reads by index (readyBlock): neither block is parsed by a read again. */
  get readiedBlocks(): number {
    return this.readiedN;
  }

  /** Bytes of packed-value layouts held (8 per double), what readying costs in memory. */
  get layoutBytes(): number {
    return this.layoutsEnd * 8;
  }

  /** Blocks whose CRC-32Cs have been checked and passed and are not checked again. */
  get verifiedBlocks(): number {
    return this.verifiedN;
  }

  private decodeBlock(
    b: number,
    seriesId: bigint,
    onSkip?: SkipSink,
  ): { t: Float64Array; v: Float64Array } | null {
    if (!this.checkBlock(b, seriesId, onSkip)) return null;
    const off = this.bOffset[b]!;
    const valOff = off + this.bTsLen[b]!;
    try {
      const t = decodeTimestampBlock(this.buf.subarray(off, valOff));
      const v = decodeValueBlock(this.buf.subarray(valOff, valOff + this.bValLen[b]!));
      return this.countsMatch(b, seriesId, onSkip, t.length, v.length) ? { t, v } : null;
    } catch (err) {
      return this.reportCorrupt(err, b, seriesId, onSkip, off);
    }
  }

  /** Decodes block `b` into the scratch from index `at`; false when it is damaged (reported). */
  private decodeBlockAt(b: number, seriesId: bigint, at: number, onSkip?: SkipSink): boolean {
    if (!this.checkBlock(b, seriesId, onSkip)) return false;
    const off = this.bOffset[b]!;
    const valOff = off + this.bTsLen[b]!;
    const n = this.bCount[b]!;
    try {
      const tn = decodeTimestampBlockInto(
        this.buf.subarray(off, valOff),
        scratchT.subarray(at, at + n),
      );
      const vn = decodeValueBlockInto(
        this.buf.subarray(valOff, valOff + this.bValLen[b]!),
        scratchV.subarray(at, at + n),
      );
      return this.countsMatch(b, seriesId, onSkip, tn, vn);
    } catch (err) {
      this.reportCorrupt(err, b, seriesId, onSkip, off);
      return false;
    }
  }

  /** Whether block `b`'s two CRC-32Cs pass (checked once per block of a mapped file); a failure is reported. */
  private checkBlock(b: number, seriesId: bigint, onSkip?: SkipSink): boolean {
    const known = this.verified;
    if (known !== null && known[b] === 1) return true;
    const off = this.bOffset[b]!;
    const valOff = off + this.bTsLen[b]!;
    if (crc32c(this.buf, off, valOff) !== this.bTsCrc[b]) {
      this.report(b, seriesId, onSkip, 'timestamp block fails its CRC-32C');
      return false;
    }
    if (crc32c(this.buf, valOff, valOff + this.bValLen[b]!) !== this.bValCrc[b]) {
      this.report(b, seriesId, onSkip, 'value block fails its CRC-32C', valOff);
      return false;
    }
    if (known !== null) {
      known[b] = 1;
      this.verifiedN++;
    }
    return true;
  }

  /** Whether block `b` decoded to the point count its index entry gives; a mismatch is reported. */
  private countsMatch(
    b: number,
    seriesId: bigint,
    onSkip: SkipSink | undefined,
    tn: number,
    vn: number,
  ): boolean {
    const n = this.bCount[b]!;
    if (tn === n && vn === n) return true;
    this.report(b, seriesId, onSkip, `holds ${tn}/${vn} points, index says ${n}`);
    return false;
  }

  /** Reports a block that failed to decode at `off`; an error that is not a corruption goes on up. */
  private reportCorrupt(
    err: unknown,
    b: number,
    seriesId: bigint,
    onSkip: SkipSink | undefined,
    off: number,
  ): null {
    if (!(err instanceof CorruptionError)) throw err;
    return this.report(b, seriesId, onSkip, err.message, off, err);
  }

  private report(
    b: number,
    seriesId: bigint,
    onSkip: SkipSink | undefined,
    message: string,
    at = this.bOffset[b]!,
    cause?: unknown,
  ): null {
    onSkip?.(
      new ColdCorruptError(
        `${this.file}: block at offset ${at} (series ${seriesId}): ${message}`,
        { file: this.file, offset: at, seriesId },
        { cause },
      ),
    );
    return null;
  }

  close(): void {
    this.mapped?.close();
  }
}
