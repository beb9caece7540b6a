import type { KV } from '@nats-io/kv';
import type { ApplyQueue } from './apply-queue';
import { metrics } from './ingestor-metrics';
import type { OwnedPartition } from './owned-partition';
import { reserveWalSpace } from './partition-log';

/** Value of `checkpoint.p<n>` in KV `ztsdb_config`. */
export interface PartitionCheckpoint {
  /** Replay the samples stream from here to rebuild every point not yet in a warm file. */
  replayFrom: number;
  /** Every point of a batch below this sequence is in a published sealed chunk. */
  sealedBelow: number;
  owner: string;
  atMs: number;
  /** Creation time of the samples stream these sequences belong to (absent in older checkpoints). */
  stream?: string;
}

export const checkpointKey = (p: number): string => `checkpoint.p${p}`;
export const consumerName = (p: number): string => `ztsdb-ingestor-p${p}`;

/**
 * Where a new owner of partition `p` replays the samples stream from: the
 * checkpoint's `replayFrom`, or 1 when there is none, it is not JSON, or it
 * belongs to another samples stream than `streamId` (deleted and re-created).
 */
export async function readReplayFrom(
  config: KV,
  p: number,
  streamId: string,
  warn: (line: string) => void,
): Promise<number> {
  const entry = await config.get(checkpointKey(p));
  if (!entry || entry.operation !== 'PUT') return 1;
  try {
    const cp = entry.json<PartitionCheckpoint>();
    if (cp.stream === undefined || cp.stream === streamId) return Math.max(1, cp.replayFrom || 1);
    warn(
      `partition ${p}: the checkpoint in KV belongs to the samples stream created ${cp.stream}, not to this one (created ${streamId}); replaying this one from its start`,
    );
  } catch {
    warn(`partition ${p}: checkpoint in KV is not JSON; replaying the whole stream`);
  }
  return 1;
}

/**
 * The partition's periodic jobs that make its state durable and its progress
 * known: sealing by age (with its WAL marker), the local snapshot (which trims
 * the WAL) and the partition checkpoint in KV (`checkpoint.p<n>`), each on its
 * own timer, started once the partition is served.
 */
export class PartitionCheckpoints {
  private timers: NodeJS.Timeout[] = [];
  private snapshotting: Promise<void> | undefined;
  /** `replayFrom/sealedBelow` last recorded in KV ('' forces the next write). */
  private lastCheckpoint = '';
  /** Paced seal ticks run since the partition applied sequence `pacedAt`. */
  private pacedTicks = 0;
  private pacedAt = -1;

  constructor(
    private readonly owned: OwnedPartition,
    private readonly config: KV,
    private readonly memberId: string,
    private readonly queue: ApplyQueue,
    /** Sealed chunks wait to be published. */
    private readonly onSealed: () => void,
    /** A seal marker's WAL write failed. */
    private readonly onWalFailed: (e: unknown) => void,
  ) {}

  start(): void {
    const { opts, partition, log } = this.owned;
    const every = (ms: number, fn: () => unknown) => {
      const t = setInterval(() => {
        if (!this.owned.stopping)
          void Promise.resolve(fn()).catch((e: Error) =>
            log.warn(`partition ${partition}: ${e.message}`),
          );
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(Math.max(100, Math.min(5000, Math.floor(opts.maxChunkAgeMs / 10))), () =>
      this.sealByAge(),
    );
    every(opts.checkpointIntervalMs, () => this.writeCheckpoint());
    every(opts.snapshotIntervalMs, () => this.snapshot());
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private sealByAge(): void {
    const { opts, state, wal } = this.owned;
    // The seal needs its WAL marker: while the disk is full the chunks stay open a little longer.
    // While a snapshot lays out the head (the queue paused) the head stays as it is: next tick.
    if (opts.disk.full || this.queue.pausedUntil) return;
    this.queue.drainAll();
    const now = Date.now();
    // Paced: backfill far behind the wall clock is cut by its own timestamps, not by this tick.
    // Its marker counts the paced ticks since the last applied sequence, so a replay paces alike.
    this.pacedTicks = state.appliedSeq === this.pacedAt ? this.pacedTicks + 1 : 1;
    this.pacedAt = state.appliedSeq;
    const sealed = state.sealByAge(now, true);
    if (sealed > 0 || state.pacedSeen > 0) {
      wal.putSeal(state.appliedSeq, now, this.pacedTicks).catch((e) => this.onWalFailed(e));
      if (sealed > 0) this.onSealed();
    }
  }

  /**
   * Snapshot and WAL trim, in the ingestor's turn (SnapshotTurns); a failure leaves the log
   * whole (one transaction) and tells the disk guard. Skipped when the partition stopped while
   * it waited (its stop makes the last one) or the disk is full.
   */
  snapshot(): Promise<void> {
    if (this.snapshotting) return this.snapshotting;
    const { opts, wal } = this.owned;
    if (opts.disk.full) return Promise.resolve();
    this.snapshotting = opts.snapshotTurns
      .run(async () => {
        if (this.owned.stopping || opts.disk.full) return;
        // Applied now, at its turn: the snapshot holds every batch acknowledged before it.
        this.queue.drainAll();
        // Laid out a few megabytes a turn with the applies held: one turn of the whole head was
        // the ingestor's longest stall, and stalled every partition's fetches, acknowledgements
        // and queries with it. A hot query of this partition, which waits for the applies,
        // hurries it: the remaining steps then follow one another without a pause (its wait
        // is at most what the snapshot in one turn was, with the steps between spent on
        // other work instead of on it).
        let hurried = false;
        let wake: (() => void) | undefined;
        const heldAt = performance.now();
        this.queue.pause(() => {
          hurried = true;
          wake?.();
        });
        try {
          await wal.snapshot(this.owned.state, {
            pause: () =>
              hurried
                ? Promise.resolve()
                : new Promise<void>((r) => {
                    wake = r;
                    setImmediate(r);
                  }),
            encoded: () => {
              this.queue.resume();
              metrics.snapshotHoldSeconds.observe((performance.now() - heldAt) / 1000);
            },
            scratch: opts.snapshotScratch,
          });
        } finally {
          // A snapshot that failed before its head was laid out must not hold the applies.
          this.queue.resume();
        }
        // The snapshot trimmed the log: a file a backfill grew is copied down to what it holds.
        const r = await wal.compactOnline(2 * opts.walMaxBytes);
        if (r) {
          this.owned.log.log(
            `partition ${this.owned.partition}: WAL compacted from ${r.before} to ${r.after} bytes`,
          );
          // A new file: its blocks are reserved again.
          reserveWalSpace(
            { partition: this.owned.partition, walMaxBytes: opts.walMaxBytes, log: this.owned.log },
            wal,
          );
        }
      })
      .catch((e) => opts.disk.writeFailed(wal.file, e))
      .finally(() => (this.snapshotting = undefined));
    return this.snapshotting;
  }

  /** The last snapshot, once settled (before the final one at stop). */
  async settled(): Promise<void> {
    await this.snapshotting?.catch(() => undefined);
  }

  /** The stream was re-created: the next checkpoint is written whatever it says. */
  forget(): void {
    this.lastCheckpoint = '';
  }

  /** Records the partition checkpoint in KV `ztsdb_config` (`checkpoint.p<n>`) when it moved. */
  async writeCheckpoint(): Promise<void> {
    const state = this.owned.state;
    if (!state) return;
    const replayFrom = state.replayFromSeq();
    const sealedBelow = state.sealedBelowSeq();
    const key = `${replayFrom}/${sealedBelow}`;
    if (key === this.lastCheckpoint) return;
    const cp: PartitionCheckpoint = {
      replayFrom,
      sealedBelow,
      owner: this.memberId,
      atMs: Date.now(),
      stream: this.owned.streamId,
    };
    await this.config.put(checkpointKey(this.owned.partition), JSON.stringify(cp));
    this.lastCheckpoint = key;
  }
}
