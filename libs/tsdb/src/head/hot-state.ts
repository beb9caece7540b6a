// Over 400 lines: the one class that keeps a partition's head, its held sealed chunks and the
// stream sequences they came from in step; splitting it would split that bookkeeping.
import { decodeChunk } from '@ztsdb/chunkenc';
import { seriesKey } from '@ztsdb/model';
import { clipRange, mergeLatestWins, type Points, type VersionedPoints } from '../encoding/points';
import { Head } from './head';
import type { MemSeries } from './mem-series';
import type { SealedChunk } from './sealed-chunk';
import type { ManifestChunkRef } from '@ztsdb/wire';
import { SeqCounts } from './seq-counts';

/** A sealed chunk the ingestor still holds: published or not, and not yet in a warm file. */
export interface HeldChunk extends SealedChunk {
  /** Stream sequence of the oldest batch that contributed a point to it. */
  firstSeq: number;
  published: boolean;
}

/** Identity of a sealed chunk: the same string as its `Nats-Msg-Id` (`chunkMessageId`). */
export function chunkRefId(id: string, minT: number, maxT: number, count: number): string {
  return `${id}-${minT}-${maxT}-${count}`;
}

const NO_SEQ = Number.POSITIVE_INFINITY;
/** What a batch that sealed nothing returns (shared: no allocation per batch). */
const NONE: readonly HeldChunk[] = Object.freeze([]);
const MAX_WARM_BACKLOG = 1 << 20;
const MAX_SLOT_CACHE = 1 << 16;

/**
 * The head of one partition as production runs it (the ingestor, and the
 * embedded Engine on top): open Gorilla chunks and out-of-order buffers
 * (Head), plus what is tracked beside them:
 * - per series slot, the stream sequence that started its open chunk and its
 *   out-of-order buffer, so the partition checkpoint is known;
 * - sealed chunks until the manifest shows them in a warm file (queryable
 *   until then), each with the first stream sequence it holds.
 * Everything here is derived from the batches applied, in stream order. The
 * checkpoint's inputs are kept as multisets of first sequences (open and
 * out-of-order units, held and unpublished chunks), updated when a unit
 * starts or is sealed, so no checkpoint scans every series.
 */
export class HotState {
  readonly head: Head;
  private openFirst = new Float64Array(1024).fill(NO_SEQ);
  private oooFirst = new Float64Array(1024).fill(NO_SEQ);
  private readonly held = new Map<bigint, HeldChunk[]>();
  private unpublished: HeldChunk[] = [];
  /** Chunk ids the manifest reported in warm that were not held when reported. */
  private readonly warmBacklog = new Set<string>();
  /** First sequences of non-empty open chunks and out-of-order buffers (openFirst/oooFirst ≠ NO_SEQ). */
  private readonly liveSeqs = new SeqCounts();
  /** First sequences of held chunks, and of those still in the unpublished queue. */
  private readonly heldSeqs = new SeqCounts();
  private readonly queuedSeqs = new SeqCounts();
  /** Points in open chunks and out-of-order buffers (kept as they change). */
  private livePoints = 0;
  heldChunks = 0;
  heldPoints = 0;
  /** Highest stream sequence applied (0 before any). */
  appliedSeq = 0;

  constructor(
    readonly partition: number,
    readonly maxChunkAgeMs: number,
    head?: Head,
  ) {
    this.head =
      head ?? new Head({ partition, maxChunkAgeMs, outOfOrderWindowMs: Number.MAX_SAFE_INTEGER });
  }

  /** Chunks sealed by the batch being applied (NONE until one is). */
  private sealedNow: readonly HeldChunk[] = NONE;

  /**
   * The batch append: applies `count` samples of the batch at (stream)
   * sequence `seq` and returns the chunks it sealed (they are also held and
   * queued as unpublished). `producer` (the batch's producer id) lets a
   * producer that sends the same series in the same order every tick skip the
   * id lookups: the slots of its last batch are reused when the id column is
   * identical; `known` gives the series slots outright (the embedded engine
   * resolved them at insert). The caller has checked the samples (integer timestamps).
   */
  apply(
    seq: number,
    ids: BigUint64Array,
    ts: Float64Array,
    vs: Float64Array,
    count: number,
    producer?: bigint,
    known?: Int32Array,
  ): readonly HeldChunk[] {
    this.sealedNow = NONE;
    const head = this.head;
    const series = head.series;
    const slots =
      known ?? (producer === undefined ? undefined : this.slotsOf(producer, ids, count));
    let extended = 0; // points that extended an open chunk (applyOne counts its own)
    for (let i = 0; i < count; i++) {
      if (slots !== undefined) {
        // The common path a run at a time, the loop inside the open chunks (appendRun).
        const stop = head.appendRunAt(slots, ts, vs, i, count);
        extended += stop - i;
        i = stop;
        if (i === count) break;
      }
      const slot = slots !== undefined ? slots[i]! : head.getOrCreate(ids[i]!).slot;
      const t = ts[i]!;
      // Most samples extend an open chunk: no unit starts or is sealed, and neither the series'
      // object nor its maxSeen (the engine's, set at insert) is touched. The rest: applyOne.
      if (head.appendToOpenAt(slot, t, vs[i]!)) extended++;
      else this.applyOne(seq, series[slot]!, t, vs[i]!);
    }
    this.livePoints += extended;
    if (seq > this.appliedSeq) this.appliedSeq = seq;
    return this.sealedNow;
  }

  /** One sample that does not simply extend an open chunk: keeps the first sequences of units started or sealed. */
  private applyOne(seq: number, s: MemSeries, t: number, v: number): void {
    const head = this.head;
    const slot = s.slot;
    if (slot >= this.openFirst.length) this.grow(slot);
    const hadOpen = head.openCount(s) > 0;
    const hadVersion = s.openVersion;
    const hadOoo = s.ooo;
    const sealedBefore = head.peekSealed().length;
    if (t > s.lastT) {
      head.appendTo(s, t, v);
      this.livePoints++;
    } else {
      // Out of order: the buffer may replace a point with the same timestamp (no new point).
      const before = hadOoo === null ? 0 : hadOoo.count;
      head.appendTo(s, t, v);
      if (s.ooo !== hadOoo || hadOoo === null || hadOoo.count !== before) this.livePoints++;
    }
    if (t > s.maxSeen) s.maxSeen = t;
    // A new open chunk takes a new version: with a changed version the old one was sealed.
    const openNow = head.openCount(s) > 0;
    if (head.peekSealed().length !== sealedBefore) {
      const fromOpen = hadOpen && (!openNow || s.openVersion !== hadVersion);
      const first = fromOpen ? this.openFirst[slot]! : this.oooFirst[slot]!;
      this.liveSeqs.remove(first);
      this.adopt(head.takeSealed(), first);
      if (fromOpen) this.openFirst[slot] = NO_SEQ;
      else this.oooFirst[slot] = NO_SEQ;
    }
    if (openNow && (!hadOpen || s.openVersion !== hadVersion)) {
      this.liveSeqs.remove(this.openFirst[slot]!);
      this.openFirst[slot] = seq;
      this.liveSeqs.add(seq);
    }
    if (s.ooo !== hadOoo && s.ooo !== null) {
      this.liveSeqs.remove(this.oooFirst[slot]!);
      this.oooFirst[slot] = seq;
      this.liveSeqs.add(seq);
    }
  }

  private readonly slotCache = new Map<bigint, { ids: Buffer; slots: Int32Array }>();

  private slotsOf(producer: bigint, ids: BigUint64Array, count: number): Int32Array {
    // The id column as bytes, compared with the cached one by memcmp (Buffer.equals), not in a JS loop.
    const bytes = Buffer.from(ids.buffer, ids.byteOffset, count * 8);
    const cached = this.slotCache.get(producer);
    if (cached !== undefined && cached.ids.equals(bytes)) return cached.slots;
    const slots = new Int32Array(count);
    for (let i = 0; i < count; i++) slots[i] = this.head.getOrCreate(ids[i]!).slot;
    if (this.slotCache.size >= MAX_SLOT_CACHE)
      this.slotCache.delete(this.slotCache.keys().next().value!);
    this.slotCache.set(producer, { ids: Buffer.from(bytes), slots });
    return slots;
  }

  /** Marks a stream sequence applied without samples (a batch sent to the DLQ). */
  skip(seq: number): void {
    if (seq > this.appliedSeq) this.appliedSeq = seq;
  }

  /** Seals chunks older than the chunk age at `nowMs` (data time; Infinity: all); `paced`: backfill cut by its own timestamps (Head.sealByAge). */
  sealByAge(nowMs: number, paced = false): number {
    this.sealedNow = NONE;
    this.head.pacedSeen = 0;
    const n = this.head.sealByAge(nowMs, paced);
    if (n === 0) return 0;
    for (const c of this.head.takeSealed()) {
      const s = this.head.get(c.seriesId)!;
      // sealByAge starts no chunk: the open chunk kept its version, an out-of-order chunk took a new one.
      const fromOpen = this.head.openCount(s) === 0 && c.version === s.openVersion;
      const first = fromOpen ? this.openFirst[s.slot]! : this.oooFirst[s.slot]!;
      (fromOpen ? this.openFirst : this.oooFirst)[s.slot] = NO_SEQ;
      this.liveSeqs.remove(first);
      this.adopt([c], first);
    }
    return n;
  }

  private adopt(chunks: SealedChunk[], firstSeq: number): void {
    for (const c of chunks) {
      this.livePoints -= c.count;
      const ref = chunkRefId(seriesKey(c.seriesId), c.minT, c.maxT, c.count);
      if (this.warmBacklog.delete(ref)) continue; // the compactor already has it
      const h: HeldChunk = { ...c, firstSeq, published: false };
      let list = this.held.get(c.seriesId);
      if (!list) this.held.set(c.seriesId, (list = []));
      list.push(h);
      this.unpublished.push(h);
      if (this.sealedNow === NONE) this.sealedNow = [];
      (this.sealedNow as HeldChunk[]).push(h);
      this.heldSeqs.add(firstSeq);
      this.queuedSeqs.add(firstSeq);
      this.heldChunks++;
      this.heldPoints += c.count;
    }
  }

  private grow(slot: number): void {
    let n = this.openFirst.length;
    while (n <= slot) n *= 2;
    const a = new Float64Array(n).fill(NO_SEQ);
    a.set(this.openFirst);
    const b = new Float64Array(n).fill(NO_SEQ);
    b.set(this.oooFirst);
    this.openFirst = a;
    this.oooFirst = b;
  }

  /** Sealed chunks not yet published (removed from the queue; call markPublished or requeue). */
  takeUnpublished(max = Infinity): HeldChunk[] {
    let out: HeldChunk[];
    if (this.unpublished.length <= max) {
      out = this.unpublished;
      this.unpublished = [];
    } else {
      out = this.unpublished.splice(0, max);
    }
    for (const c of out) this.queuedSeqs.remove(c.firstSeq);
    return out;
  }

  requeue(chunks: HeldChunk[]): void {
    this.unpublished.unshift(...chunks);
    for (const c of chunks) this.queuedSeqs.add(c.firstSeq);
  }

  get unpublishedCount(): number {
    return this.unpublished.length;
  }

  /** The manifest says a warm file holds these chunks: drop them from memory. Returns how many were dropped. */
  markWarm(refs: readonly ManifestChunkRef[]): number {
    let dropped = 0;
    for (const r of refs) {
      let id: bigint;
      try {
        id = BigInt(`0x${r.id}`);
      } catch {
        continue;
      }
      const list = this.held.get(id);
      const at = list
        ? list.findIndex((c) => c.minT === r.minT && c.maxT === r.maxT && c.count === r.count)
        : -1;
      if (list && at >= 0) {
        const [c] = list.splice(at, 1);
        if (list.length === 0) this.held.delete(id);
        this.heldChunks--;
        this.heldPoints -= c!.count;
        this.heldSeqs.remove(c!.firstSeq);
        if (!c!.published) {
          const u = this.unpublished.indexOf(c!);
          if (u >= 0) {
            this.unpublished.splice(u, 1);
            this.queuedSeqs.remove(c!.firstSeq);
          }
        }
        dropped++;
      } else {
        this.warmBacklog.add(chunkRefId(r.id, r.minT, r.maxT, r.count));
        if (this.warmBacklog.size > MAX_WARM_BACKLOG)
          this.warmBacklog.delete(this.warmBacklog.values().next().value!);
      }
    }
    return dropped;
  }

  /** Hot points of one series in [start, end]: open chunk, out-of-order buffer, held sealed chunks; latest write wins. */
  read(id: bigint, start: number, end: number): Points {
    return mergeLatestWins(this.sources(id, start, end));
  }

  /** The hot units of one series within [start, end], with their write versions (to merge with other tiers). */
  sources(id: bigint, start: number, end: number): VersionedPoints[] {
    const parts: VersionedPoints[] = this.head.read(id, start, end);
    for (const c of this.held.get(id) ?? []) {
      if (c.maxT >= start && c.minT <= end)
        parts.push(clipRange({ ...decodeChunk(c.bytes), version: c.version }, start, end));
    }
    return parts;
  }

  /**
   * The partition checkpoint: the first stream sequence whose points may not
   * yet be in a warm file. Replaying the stream from here rebuilds every
   * point that only this process holds.
   */
  replayFromSeq(): number {
    return this.heldSeqs.min(this.liveSeqs.min(this.appliedSeq + 1));
  }

  /** First stream sequence whose points may not yet be in published sealed chunks. */
  sealedBelowSeq(): number {
    return this.queuedSeqs.min(this.liveSeqs.min(this.appliedSeq + 1));
  }

  /** replayFromSeq, sealedBelowSeq and openPoints computed by scanning everything (tests compare the kept values with these). */
  scanned(): { replayFrom: number; sealedBelow: number; openPoints: number } {
    let live = this.appliedSeq + 1;
    for (const s of this.head.series) {
      if (this.head.openCount(s) > 0) live = Math.min(live, this.openFirst[s.slot]!);
      if (s.ooo !== null && s.ooo.count > 0) live = Math.min(live, this.oooFirst[s.slot]!);
    }
    let replayFrom = live;
    for (const list of this.held.values())
      for (const c of list) replayFrom = Math.min(replayFrom, c.firstSeq);
    let sealedBelow = live;
    for (const c of this.unpublished) sealedBelow = Math.min(sealedBelow, c.firstSeq);
    return { replayFrom, sealedBelow, openPoints: this.head.openPoints };
  }

  /** Every held chunk, oldest first within a series (for a snapshot). */
  heldList(): HeldChunk[] {
    const out: HeldChunk[] = [];
    for (const list of this.held.values()) out.push(...list);
    return out;
  }

  /** Per-slot first sequences (for a snapshot). */
  firstSeqs(): { open: Float64Array; ooo: Float64Array } {
    const n = this.head.series.length;
    return { open: this.openFirst.subarray(0, n), ooo: this.oooFirst.subarray(0, n) };
  }

  /** Restores what a snapshot recorded beside the head. */
  restore(appliedSeq: number, open: Float64Array, ooo: Float64Array, held: HeldChunk[]): void {
    this.appliedSeq = appliedSeq;
    if (open.length > 0) this.grow(open.length - 1);
    this.openFirst.set(open);
    this.oooFirst.set(ooo);
    // One scan at restore: a first sequence counts only while its unit holds points.
    this.liveSeqs.clear();
    for (const s of this.head.series) {
      const slot = s.slot;
      if (this.head.openCount(s) > 0) this.liveSeqs.add(this.openFirst[slot]!);
      else this.openFirst[slot] = NO_SEQ;
      if (s.ooo !== null && s.ooo.count > 0) this.liveSeqs.add(this.oooFirst[slot]!);
      else this.oooFirst[slot] = NO_SEQ;
    }
    this.livePoints = this.head.openPoints;
    for (const h of held) {
      let list = this.held.get(h.seriesId);
      if (!list) this.held.set(h.seriesId, (list = []));
      list.push(h);
      this.heldSeqs.add(h.firstSeq);
      if (!h.published) {
        this.unpublished.push(h);
        this.queuedSeqs.add(h.firstSeq);
      }
      this.heldChunks++;
      this.heldPoints += h.count;
    }
  }

  /**
   * The samples stream was re-created and its sequences start again at 1.
   * Call with every unit sealed (sealByAge(+Infinity)): the held chunks then
   * count as starting at sequence 1 of the new stream, so a checkpoint never
   * points past a sequence the new stream has not reached.
   */
  rebase(): void {
    if (this.livePoints !== 0) throw new Error('rebase needs every open chunk sealed first');
    this.heldSeqs.clear();
    this.queuedSeqs.clear();
    for (const list of this.held.values())
      for (const c of list) {
        c.firstSeq = 1;
        this.heldSeqs.add(1);
      }
    for (let i = 0; i < this.unpublished.length; i++) this.queuedSeqs.add(1);
    this.liveSeqs.clear();
    this.openFirst.fill(NO_SEQ);
    this.oooFirst.fill(NO_SEQ);
    this.appliedSeq = 0;
  }

  /** Backfill open chunks the last paced sealByAge looked at: its seal marker is worth writing even when it sealed nothing. */
  get pacedSeen(): number {
    return this.head.pacedSeen;
  }

  get seriesCount(): number {
    return this.head.series.length;
  }

  /** Points in open chunks and out-of-order buffers (kept up to date, no scan). */
  get openPoints(): number {
    return this.livePoints;
  }
}
