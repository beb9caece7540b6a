import type { KV } from '@nats-io/kv';

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
