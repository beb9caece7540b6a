import type { OooBuffer } from './ooo-buffer';

/**
 * The newest in-order timestamp of each series of a head, by slot, in one column: the batch
 * append reads and writes it for every point, and as a field of each series' object it was a
 * cache miss a point (the object, then the number's box) on a head of many series.
 */
export class SeriesColumns {
  lastT = new Float64Array(1024).fill(-Infinity);

  /** Makes room for `slot`. */
  ensure(slot: number): void {
    if (slot < this.lastT.length) return;
    let n = this.lastT.length;
    while (n <= slot) n *= 2;
    const a = new Float64Array(n).fill(-Infinity);
    a.set(this.lastT);
    this.lastT = a;
  }
}

/** In-memory state of one series in a head (its open chunk is in the head's OpenChunks, at `slot`). */
export class MemSeries {
  /** Write order of the open chunk, given when it was started. */
  openVersion = 0;
  /** lastT of a series outside any head (no columns). */
  private ownLastT = -Infinity;
  /** Out-of-order points not yet sealed. */
  ooo: OooBuffer | null = null;
  /** `lastT` when the out-of-order buffer was started (its age is measured from here). */
  oooSince = -Infinity;
  /**
   * Newest timestamp accepted by insert, including points still in the buffer (engine
   * bookkeeping: set by the engine's insert, and from lastT when it opens; the head's batch
   * append, which reads no field of the series for most points, leaves it alone).
   */
  maxSeen = -Infinity;

  /**
   * Pacing of a backfill open chunk (Head.sealByAge with `paced`): the open
   * chunk's version when a paced tick first saw it (-1: opened in this
   * process and not yet seen; 0: restored from a snapshot), its point count
   * at the last paced tick and the tick's clock when it was first seen.
   */
  tickVersion = 0;
  tickCount = 0;
  tickSince = 0;

  /** Initial buffer size for the next open chunk: the last sealed one's size, so a steady series does not regrow its buffer chunk after chunk. */
  chunkBytesHint = 256;

  /**
   * The series the embedded engine's insert saw right after this one last
   * time (null: none yet). Writers tend to send their series in the same
   * order every tick, so insert first compares the id with this one's instead
   * of hashing it into the id map (a Map lookup by BigInt costs about 90 ns).
   */
  insertNext: MemSeries | null = null;

  constructor(
    readonly id: bigint,
    /** Position of the series in its head (index into Head.series). */
    readonly slot: number,
    /** Partition the series belongs to. */
    readonly partition: number,
    /** The head's columns (null: a series outside any head keeps its own). */
    private readonly cols: SeriesColumns | null = null,
  ) {
    cols?.ensure(slot);
  }

  /** Newest timestamp appended in order (-Infinity before the first); in the head's column. */
  get lastT(): number {
    return this.cols === null ? this.ownLastT : this.cols.lastT[this.slot]!;
  }

  set lastT(t: number) {
    if (this.cols === null) this.ownLastT = t;
    else this.cols.lastT[this.slot] = t;
  }
}
