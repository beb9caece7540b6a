import type { HotState, LocalLog } from '@ztsdb/tsdb';

/** What moving a partition to a re-created samples stream found. */
export interface StreamSwitch {
  /** Hot points of the old stream that were sealed and published. */
  points: number;
  /** Chunks they make (published, held until a warm file has them). */
  chunks: number;
}

/**
 * The samples stream was deleted and created again: its sequences start at 1
 * again, and the log's sequences mean nothing there. The points are kept:
 * every open chunk is sealed, every sealed chunk published (and acknowledged
 * by JetStream, so the compactor will write it), the state's sequences start
 * over, and the log is cleared for the new stream and holds a snapshot of what
 * stays in memory. A crash in between loses nothing: before the clear the old
 * log is whole; after it the chunks are on the chunks stream.
 */
export async function moveToNewStream(
  state: HotState,
  wal: LocalLog,
  publishAll: () => Promise<void>,
  newStreamId: string,
): Promise<StreamSwitch> {
  const points = state.openPoints + state.heldPoints;
  state.sealByAge(Number.POSITIVE_INFINITY);
  await publishAll();
  if (state.unpublishedCount > 0)
    throw new Error('stopped before every sealed chunk was published');
  state.rebase();
  await wal.clear(newStreamId);
  await wal.snapshot(state);
  return { points, chunks: state.heldChunks };
}
