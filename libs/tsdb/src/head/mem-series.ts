import type { OooBuffer } from './ooo-buffer';

/** In-memory state of one series in a head (its open chunk is in the head's OpenChunks, at `slot`). */
export class MemSeries {
  /** Write order of the open chunk, given when it was started. */
  openVersion = 0;
  /** Newest timestamp appended in order (-Infinity before the first). */
  lastT = -Infinity;
  /** Out-of-order points not yet sealed. */
  ooo: OooBuffer | null = null;
  /** `lastT` when the out-of-order buffer was started (its age is measured from here). */
  oooSince = -Infinity;
  /** Newest timestamp accepted by insert, including points still in the buffer (engine bookkeeping). */
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
  ) {}
}
