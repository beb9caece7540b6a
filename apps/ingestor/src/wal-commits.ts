import type { ApplyQueue } from './apply-queue';
import type { OwnedPartition, Received } from './owned-partition';

/**
 * Groups the messages received in one event-loop turn (their WAL writes form
 * one LMDB transaction) and, once the group's writes are durable,
 * acknowledges it with one ack (AckPolicy.All) and hands it to the apply
 * queue. Groups settle in order. After a failed write nothing more is
 * acknowledged until the consumer is re-created (an ack would cover the
 * failed messages).
 */
export class WalCommits {
  private group: Received[] = [];
  private lastPut: Promise<boolean> = Promise.resolve(true);
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  /** False from a failed WAL write until the consumer is re-created (resume()). */
  private acking = true;

  constructor(
    private readonly owned: OwnedPartition,
    private readonly queue: ApplyQueue,
    /** A WAL write failed (called once per failed group). */
    private readonly onWriteFailed: (e: unknown) => void,
    /** The group starting at `firstSeq` was not acknowledged: it must be received again. */
    private readonly onNotAcked: (firstSeq: number) => void,
  ) {}

  /** Adds a message to this turn's group; `put` is its WAL write (none for a duplicate or a replay). */
  add(e: Received, put?: Promise<boolean>): void {
    if (put) this.lastPut = put;
    this.group.push(e);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.commit);
    }
  }

  /** Acknowledges again (a new consumer). */
  resume(): void {
    this.acking = true;
  }

  /** Stops acknowledging (a WAL write failed). */
  halt(): void {
    this.acking = false;
  }

  /** Commits a pending group now and resolves once every group has settled. */
  settled(): Promise<void> {
    if (this.scheduled) this.commit();
    return this.chain;
  }

  /** Once the group's WAL writes are durable: acknowledge, then hand the batches to the head. */
  private readonly commit = (): void => {
    this.scheduled = false;
    const g = this.group;
    if (g.length === 0) return;
    this.group = [];
    const put = this.lastPut;
    this.chain = this.chain.then(async () => {
      try {
        await put;
        await this.owned.wal.flushed();
      } catch (e) {
        this.onWriteFailed(e);
      }
      if (!this.acking) {
        // Not durable (or after one that was not): acknowledge nothing; the re-created consumer delivers these again.
        const first = g.find((e2) => !e2.dup);
        if (first) this.onNotAcked(first.seq);
        for (const e2 of g) if (e2.batch) this.queue.dropped(e2.batch.count);
        return;
      }
      // Acknowledging the group's last message acknowledges the whole group (AckPolicy.All).
      g[g.length - 1]!.m.ack();
      this.queue.push(g);
    });
  };
}
