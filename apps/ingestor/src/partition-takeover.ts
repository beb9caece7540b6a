import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { STREAM_SAMPLES, withRetry } from '@ztsdb/bus';
import { HotState } from '@ztsdb/tsdb';
import type { OwnedPartition } from './owned-partition';
import { consumerName, readReplayFrom } from './partition-checkpoint';
import { carryOverLog, openPartitionLog } from './partition-log';

/** Where the takeover found the partition's state. */
export interface LoadedState {
  source: 'wal' | 'stream';
  /** Points replayed from the local WAL. */
  recoveredPoints: number;
  /** Rebuilding from the stream: the consumer applies without WAL copies until caught up. */
  replaying: boolean;
  /** First stream sequence to consume. */
  startSeq: number;
}

/**
 * First half of a takeover: opens the partition's WAL and sets `owned.wal`,
 * `owned.state` and `owned.streamId` from it — the local state (own WAL,
 * carried over from a re-created stream if need be) when it reaches the
 * partition checkpoint, else an empty state to be rebuilt from the stream
 * from the checkpoint on. Undefined when stopped meanwhile.
 */
export async function loadState(
  owned: OwnedPartition,
  jsm: JetStreamManager,
  config: KV,
  publishAll: () => Promise<void>,
): Promise<LoadedState | undefined> {
  const p = owned.partition;
  const { opts, log } = owned;
  const info = await takeoverStep(owned, `stream info ${STREAM_SAMPLES}`, () =>
    jsm.streams.info(STREAM_SAMPLES),
  );
  const streamId = info.created;
  const ctx = { ...opts, log, stopping: () => owned.stopping };
  const wal = await openPartitionLog(ctx);
  if (!wal || owned.stopping) return undefined;
  owned.wal = wal;
  const carried =
    wal.streamId() === streamId
      ? undefined
      : await carryOverLog(ctx, wal, streamId, (s) => (owned.state = s), publishAll);
  owned.streamId = streamId;
  const replayFrom = carried
    ? 1
    : await takeoverStep(owned, `partition ${p}: reading its checkpoint`, () =>
        readReplayFrom(config, p, streamId, (l) => log.warn(l)),
      );
  const local = carried
    ? { state: carried, replayedPoints: 0 }
    : wal.recover({ partition: p, maxChunkAgeMs: opts.maxChunkAgeMs }, (e) =>
        log.warn(`partition ${p}: ${e.message}; rebuilding from the stream`),
      );
  let loaded: LoadedState;
  if (local && local.state.appliedSeq + 1 >= replayFrom) {
    owned.state = local.state;
    loaded = {
      source: 'wal',
      recoveredPoints: local.replayedPoints,
      replaying: false,
      startSeq: 0,
    };
  } else {
    // Nothing of the old log may survive: until the snapshot at the end of
    // the replay, the log must read as empty (a crash then rebuilds from the stream again).
    await wal.clear(streamId);
    owned.state = new HotState(p, opts.maxChunkAgeMs);
    owned.state.appliedSeq = replayFrom - 1;
    loaded = { source: 'stream', recoveredPoints: 0, replaying: true, startSeq: 0 };
  }
  loaded.startSeq = owned.state.appliedSeq + 1;
  if (loaded.startSeq > 1 && loaded.startSeq < info.state.first_seq) {
    log.error(
      `partition ${p}: the stream no longer holds sequences ${loaded.startSeq}..${info.state.first_seq - 1} (retention); points in them that were not in warm files are lost`,
    );
  }
  return loaded;
}

/**
 * Waits until the consumer has caught up with what the stream holds now (so
 * a taken-over partition answers with everything that was acknowledged), or
 * the disk is full (then what is there is served), or stop.
 */
export async function waitCaughtUp(
  owned: OwnedPartition,
  jsm: JetStreamManager,
  caughtUp: () => boolean,
): Promise<void> {
  while (!owned.stopping && !caughtUp() && !owned.opts.disk.full) {
    const ci = await jsm.consumers
      .info(STREAM_SAMPLES, consumerName(owned.partition))
      .catch(() => undefined);
    if (ci && ci.num_pending === 0 && ci.num_ack_pending === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Thrown by a takeover step once the partition is being stopped: the takeover ends quietly. */
export class TakeoverStopped extends Error {
  constructor(partition: number) {
    super(`partition ${partition}: stopped during the takeover`);
  }
}

/**
 * Runs one NATS step of a takeover, retrying while NATS does not answer (a
 * restart or a reconnection in the middle of a takeover loses the request)
 * until the retry deadline, or until the partition is stopped: a takeover that
 * gave up on the first timeout would hold the lease and serve nothing.
 */
export function takeoverStep<T>(
  owned: OwnedPartition,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  const stopped = () => new TakeoverStopped(owned.partition);
  return withRetry(
    what,
    async () => {
      if (owned.stopping) throw stopped();
      return fn();
    },
    {
      ...owned.opts.retry,
      // Waits in short steps, so that a stop does not wait out a backoff.
      sleep: async (ms) => {
        for (const end = Date.now() + ms; Date.now() < end && !owned.stopping;)
          await new Promise((r) => setTimeout(r, Math.min(50, end - Date.now())));
      },
    },
  );
}
