import type { ManifestEvent, ManifestSnapshot } from '@ztsdb/wire';
import { ManifestEventError } from './errors';
import { checkManifestEvent, checkManifestSnapshot, parseTierPath } from './manifest-check';

/** A file the manifest says exists (added, not yet removed or expired). */
export interface CatalogFile {
  /** Path relative to the data dir, e.g. `warm/p0/seg-000000000042.warm`. */
  file: string;
  tier: 'warm' | 'cold';
  partition: number;
  bytes: number;
  crc32c: number;
  /** Its object in the bucket `ztsdb_tiers` (absent for files recorded before the object store). */
  object?: string;
  minT: number;
  maxT: number;
  seriesCount: number;
  points: number;
  /** When it was recorded (wall clock of the compactor). */
  atMs: number;
  /** Set once a cold-added event lists it in `replaces`: readers stop using it. */
  supersededAtMs?: number;
  supersededBy?: string;
  /** Set once it is expired: readers stop using it, the file goes after the grace period. */
  expiredAtMs?: number;
  /** Fields of later events this version does not know; kept, and carried by snapshots. */
  [field: string]: unknown;
}

const WARM_SEQ = /^warm\/p\d+\/seg-(\d+)\.warm$/;
const COLD_GEN = /^cold\/p\d+\/w[0-9-]+-g(\d+)\.cold$/;

/**
 * The catalog of files, rebuilt by applying manifest events in stream order
 * (docs/format/manifest.md):
 * - `warm-added`, `cold-added`: the file exists and is live;
 * - `cold-added` with `replaces`: the listed files are superseded (no longer
 *   read; they still exist until their `warm-removed`);
 * - `expired`: the cold file is past retention (no longer read; deleted after the grace period);
 * - `warm-removed`: a superseded or expired file is gone from disk.
 * Applying the same event twice changes nothing. An event the compactor
 * could not have written (checkManifestEvent), an added event that
 * contradicts the recorded size or checksum of its file, and a removal of a
 * live file are refused with a ManifestEventError and change nothing.
 */
export class FileCatalog {
  private readonly files = new Map<string, CatalogFile>();
  /** Files a `warm-removed` event took out of the catalog (a crash may have left them on disk). */
  private readonly removed = new Set<string>();
  /** Per partition: names removed since its last snapshot (the next snapshot carries them). */
  private readonly recentlyRemoved = new Map<number, Set<string>>();
  /** Per partition: stream sequence of its newest snapshot, and of its newest message of any kind. */
  private readonly snapshotAt = new Map<number, number>();
  private readonly lastAt = new Map<number, number>();
  private readonly warmSeq = new Map<number, number>();
  private coldGen = 0;
  /** Per partition: every chunk of `ZTSDB_CHUNKS` up to this sequence is in a warm file. */
  private readonly chunksThrough = new Map<number, number>();
  /** The newest warm file's `chunkSeqs` (highest `max`). */
  private newestChunks: { max: number; batchMin: number } | undefined;
  /** Stream sequence of the last event applied (0 before any). */
  lastSeq = 0;

  /** `partitions`: the deployment's partition count, when known; events of others are refused. */
  constructor(private readonly opts: { partitions?: number } = {}) {}

  apply(e: ManifestEvent, streamSeq = 0): void {
    this.check(e);
    if (streamSeq > this.lastSeq) this.lastSeq = streamSeq;
    if (streamSeq > (this.lastAt.get(e.partition) ?? 0)) this.lastAt.set(e.partition, streamSeq);
    this.noteName(e.partition, e.file);
    if (e.kind === 'warm-added' && e.chunkSeqs) this.noteChunks(e.partition, e.chunkSeqs);
    switch (e.kind) {
      case 'warm-added':
      case 'cold-added': {
        const prev = this.files.get(e.file);
        // Fields this version does not know ride along (and into snapshots).
        const { kind: _kind, chunks: _chunks, replaces: _replaces, chunkSeqs: _seqs, ...rest } = e;
        this.files.set(e.file, {
          ...rest,
          file: e.file,
          tier: e.kind === 'warm-added' ? 'warm' : 'cold',
          partition: e.partition,
          bytes: e.bytes,
          crc32c: e.crc32c,
          ...(e.object !== undefined ? { object: e.object } : {}),
          minT: e.minT,
          maxT: e.maxT,
          seriesCount: e.seriesCount,
          points: e.points,
          atMs: prev?.atMs ?? e.atMs,
          supersededAtMs: prev?.supersededAtMs,
          supersededBy: prev?.supersededBy,
          expiredAtMs: prev?.expiredAtMs,
        });
        for (const r of e.replaces ?? []) {
          this.noteName(e.partition, r);
          const old = this.files.get(r);
          if (old && old.supersededAtMs === undefined) {
            old.supersededAtMs = e.atMs;
            old.supersededBy = e.file;
          }
        }
        break;
      }
      case 'expired': {
        const f = this.files.get(e.file);
        if (f && f.expiredAtMs === undefined) f.expiredAtMs = e.atMs;
        break;
      }
      case 'warm-removed':
        if (this.files.delete(e.file)) {
          this.removed.add(e.file);
          let recent = this.recentlyRemoved.get(e.partition);
          if (!recent) this.recentlyRemoved.set(e.partition, (recent = new Set()));
          recent.add(e.file);
        }
        break;
    }
  }

  /**
   * The partition's catalog as a snapshot (docs/format/manifest.md): whole
   * entries, the name marks and chunk sequences, and the names removed since
   * its previous snapshot.
   */
  snapshot(partition: number, atMs: number): ManifestSnapshot {
    const files = this.all()
      .filter((f) => f.partition === partition)
      .map((f) => ({ ...f }));
    return {
      partition,
      atMs,
      throughSeq: this.lastAt.get(partition) ?? 0,
      files,
      removed: [...(this.recentlyRemoved.get(partition) ?? [])],
      warmSeq: this.warmSeq.get(partition) ?? 0,
      coldGen: this.coldGen,
      chunksThrough: this.chunksThrough.get(partition) ?? 0,
      ...(this.newestChunks ? { newestChunks: { ...this.newestChunks } } : {}),
    };
  }

  /**
   * Applies a snapshot read at stream sequence `streamSeq`: the partition's
   * files become exactly the snapshot's (it includes every event before it);
   * name marks and chunk sequences only move up. Refused (ManifestEventError,
   * nothing changed) when an entry is not a file the compactor writes.
   */
  applySnapshot(s: ManifestSnapshot, streamSeq = 0): void {
    checkManifestSnapshot(s, this.opts.partitions);
    for (const [name, f] of this.files) if (f.partition === s.partition) this.files.delete(name);
    for (const f of s.files) this.files.set(f.file, { ...f } as CatalogFile);
    for (const r of s.removed) if (!this.files.has(r)) this.removed.add(r);
    this.recentlyRemoved.delete(s.partition);
    this.warmSeq.set(s.partition, Math.max(this.warmSeq.get(s.partition) ?? 0, s.warmSeq));
    this.coldGen = Math.max(this.coldGen, s.coldGen);
    if (s.chunksThrough > (this.chunksThrough.get(s.partition) ?? 0))
      this.chunksThrough.set(s.partition, s.chunksThrough);
    if (s.newestChunks && (!this.newestChunks || s.newestChunks.max > this.newestChunks.max))
      this.newestChunks = { ...s.newestChunks };
    if (streamSeq > this.lastSeq) this.lastSeq = streamSeq;
    if (streamSeq > (this.lastAt.get(s.partition) ?? 0)) this.lastAt.set(s.partition, streamSeq);
    if (streamSeq > (this.snapshotAt.get(s.partition) ?? 0))
      this.snapshotAt.set(s.partition, streamSeq);
  }

  /** Stream sequence of the partition's newest snapshot (0: none). */
  snapshotSeq(partition: number): number {
    return this.snapshotAt.get(partition) ?? 0;
  }

  /** Whether manifest messages of the partition came after its newest snapshot. */
  changedSinceSnapshot(partition: number): boolean {
    return (this.lastAt.get(partition) ?? 0) > (this.snapshotAt.get(partition) ?? 0);
  }

  /** Throws a ManifestEventError for an event that must not be applied. */
  check(e: ManifestEvent): void {
    checkManifestEvent(e, this.opts.partitions);
    const prev = this.files.get(e.file);
    if (!prev) return;
    if (
      (e.kind === 'warm-added' || e.kind === 'cold-added') &&
      (prev.bytes !== e.bytes || prev.crc32c !== e.crc32c)
    )
      throw new ManifestEventError(
        `${e.kind} contradicts the recorded size and checksum of the file`,
        e.file,
      );
    if (
      e.kind === 'warm-removed' &&
      prev.supersededAtMs === undefined &&
      prev.expiredAtMs === undefined
    )
      throw new ManifestEventError('warm-removed names a live file', e.file);
  }

  private noteName(partition: number, file: string): void {
    const w = WARM_SEQ.exec(file);
    if (w) this.warmSeq.set(partition, Math.max(this.warmSeq.get(partition) ?? 0, Number(w[1])));
    const c = COLD_GEN.exec(file);
    if (c) this.coldGen = Math.max(this.coldGen, Number(c[1]));
  }

  private noteChunks(partition: number, c: { max: number; batchMin: number }): void {
    if (c.max > (this.chunksThrough.get(partition) ?? 0)) this.chunksThrough.set(partition, c.max);
    if (!this.newestChunks || c.max > this.newestChunks.max)
      this.newestChunks = { max: c.max, batchMin: c.batchMin };
  }

  /**
   * Highest `ZTSDB_CHUNKS` sequence of the partition already in a warm file
   * (0 when none is known): a chunk of the partition at or below it must not
   * be written again. Kept after the files are merged or removed.
   */
  chunksCoveredThrough(partition: number): number {
    return this.chunksThrough.get(partition) ?? 0;
  }

  /**
   * Where the compactor's chunk consumer resumes: the first sequence of the
   * batch behind the newest warm file (the batch may have been cut short by a
   * crash before every partition's file was recorded; what was recorded is
   * skipped through `chunksCoveredThrough`). Undefined when no event says.
   */
  chunkResumeSeq(): number | undefined {
    return this.newestChunks?.batchMin;
  }

  get(file: string): CatalogFile | undefined {
    return this.files.get(file);
  }

  /** Files readers use: present, neither superseded nor expired. Optionally one partition's. */
  live(partition?: number): CatalogFile[] {
    const out: CatalogFile[] = [];
    for (const f of this.files.values()) {
      if (f.supersededAtMs !== undefined || f.expiredAtMs !== undefined) continue;
      if (partition !== undefined && f.partition !== partition) continue;
      out.push(f);
    }
    return out;
  }

  /** Files still on disk that readers no longer use, waiting for removal. */
  retired(): CatalogFile[] {
    return [...this.files.values()].filter(
      (f) => f.supersededAtMs !== undefined || f.expiredAtMs !== undefined,
    );
  }

  /** Every file the manifest says is on disk (live or retired). */
  all(): CatalogFile[] {
    return [...this.files.values()];
  }

  has(file: string): boolean {
    return this.files.has(file);
  }

  /**
   * True when `file` (a tier path) may be a file the compactor wrote and no
   * longer needs: recorded as removed, or named above every name the
   * manifest ever mentioned (written by a run that crashed before recording
   * it). A file in the catalog, or named at or below the mark without a
   * removal, is not the compactor's to delete.
   */
  isLeftover(file: string): boolean {
    if (this.files.has(file)) return false;
    if (this.removed.has(file)) return true;
    const w = WARM_SEQ.exec(file);
    const where = parseTierPath(file);
    if (w && where) return Number(w[1]) >= this.nextWarmSeq(where.partition);
    const c = COLD_GEN.exec(file);
    return c ? Number(c[1]) >= this.nextColdGen() : false;
  }

  /** Next warm segment sequence of a partition: above every name the manifest ever mentioned. */
  nextWarmSeq(partition: number): number {
    return (this.warmSeq.get(partition) ?? 0) + 1;
  }

  /** Next cold generation: above every cold name the manifest ever mentioned. */
  nextColdGen(): number {
    return this.coldGen + 1;
  }

  /** Reserves names handed out before their events are applied. */
  reserveWarmSeq(partition: number, seq: number): void {
    this.warmSeq.set(partition, Math.max(this.warmSeq.get(partition) ?? 0, seq));
  }

  reserveColdGen(gen: number): void {
    this.coldGen = Math.max(this.coldGen, gen);
  }
}
