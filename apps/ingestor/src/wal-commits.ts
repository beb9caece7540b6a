import type { ApplyQueue } from './apply-queue';
import type { OwnedPartition, Received } from './owned-partition';

/**
 * Groups the messages received in one event-loop turn (their WAL writes form
 * one LMDB transaction), hands the group to the apply queue at the end of the
 * turn and, once the group's writes are durable, acknowledges it with one ack
 * (AckPolicy.All). Groups settle in order. After a failed write nothing more
 * is acknowledged until the consumer is re-created (an ack would cover the
 * failed messages).
 *
 * The head does not wait for the WAL: JetStream already holds every batch it
 * delivers (acknowledged to its producer), and a batch whose write is not
 * durable is not acknowledged, so a crash has it delivered again. Waiting made
 * every sample wait for an fsync, and for whatever transaction came before its
 * own (a snapshot's tens of megabytes: 85–600 ms on a shared disk), which was
 * the freshness tail. What the WAL's order needs is kept: a seal marker or a
 * snapshot is issued after the writes of every batch it covers, and LMDB
 * commits transactions in order, each on top of the one before.
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
    /**
     * The group was not acknowledged: it must be received again (`group`, without the
     * duplicates; its batches are in the head already).
     */
    private readonly onNotAcked: (group: readonly Received[]) => void,
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

  /** Hands the group's batches to the head now, and acknowledges the group once its WAL writes are durable. */
  private readonly commit = (): void => {
    this.scheduled = false;
    const g = this.group;
    if (g.length === 0) return;
    this.group = [];
    const put = this.lastPut;
    this.queue.push(g);
    this.chain = this.chain.then(async () => {
      try {
        await put;
        await this.owned.wal.flushed();
      } catch (e) {
        this.onWriteFailed(e);
      }
      if (!this.acking) {
        // Not durable (or after one that was not): acknowledge nothing; the re-created consumer delivers these again.
        const again = g.filter((e2) => !e2.dup);
        if (again.length > 0) this.onNotAcked(again);
        return;
      }
      // Acknowledging the group's last message acknowledges the whole group (AckPolicy.All).
      g[g.length - 1]!.m.ack();
    });
  };
}
