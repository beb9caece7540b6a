/**
 * One snapshot at a time in an ingestor process, each after the one before has
 * settled and the event loop has had a turn. A snapshot encodes its partition's
 * whole head on the event loop (tens of milliseconds per 10 MB); the partitions
 * of one ingestor fill their WALs at the same pace, so their early snapshots
 * fell due together and stalled every partition's applies, acknowledgements
 * and hot queries for their sum (about a second at 1 M samples/s, the
 * freshness p99). In turns, a stall is one partition's snapshot, with the
 * batches that waited meanwhile applied between two.
 */
export class SnapshotTurns {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Snapshots queued or running. */
  get pending(): number {
    return this.waiting;
  }

  /** Runs `job` once every job queued before it has settled; resolves or rejects as it does. */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.waiting++;
    const turn = this.tail
      .catch(() => undefined)
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(job)
      .finally(() => this.waiting--);
    this.tail = turn;
    return turn;
  }
}
