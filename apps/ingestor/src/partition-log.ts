import { STREAM_SAMPLES } from '@ztsdb/bus';
import { reserveFileSpace } from '@ztsdb/fileutil';
import { LocalLog, compactIfLarger, type HotState } from '@ztsdb/tsdb';
import type { DiskGuard } from './disk-guard';
import { moveToNewStream } from './stream-switch';

/** What opening a partition's log needs to know. */
export interface PartitionLogContext {
  partition: number;
  dataDir: string;
  maxChunkAgeMs: number;
  walMaxBytes: number;
  disk: DiskGuard;
  log: { log(line: string): void; warn(line: string): void; error(line: string): void };
  stopping(): boolean;
}

/**
 * Opens the partition's LMDB log, but never on a full disk: opening writes
 * (the lock file, the pages of a new database), and a write failing inside
 * LMDB's open is not a state to recover from. A log that grew past twice
 * ZTSDB_WAL_MAX_BYTES is compacted first. Undefined when stopped meanwhile.
 */
export async function openPartitionLog(c: PartitionLogContext): Promise<LocalLog | undefined> {
  const p = c.partition;
  if (!c.disk.probeNow()) {
    c.log.warn(`partition ${p}: waiting for disk space before opening its WAL`);
    await c.disk.waitForRoom();
    if (c.stopping()) return undefined;
  }
  try {
    const r = await compactIfLarger(LocalLog.dirOf(c.dataDir, p), 2 * c.walMaxBytes);
    if (r) c.log.log(`partition ${p}: WAL compacted from ${r.before} to ${r.after} bytes`);
  } catch (e) {
    c.log.warn(`partition ${p}: WAL not compacted: ${(e as Error).message}`);
  }
  const wal = LocalLog.open(c.dataDir, p);
  reserveWalSpace(c, wal);
  return wal;
}

/**
 * Reserves the disk blocks of the log's file up to its bound, twice ZTSDB_WAL_MAX_BYTES (the
 * size past which it is compacted), so that another process filling the disk does not make
 * LMDB's page writes fail: the disk guard then stops the ingest on free space alone. LMDB
 * (lmdb-js 3.5) formats the message of a failed page write into a buffer too small for it,
 * and the heap it overruns can crash the process. What the file grows beyond its bound
 * (a backlog coming in) is not reserved.
 */
export function reserveWalSpace(
  c: Pick<PartitionLogContext, 'partition' | 'walMaxBytes' | 'log'>,
  wal: LocalLog,
): void {
  let failed: string;
  try {
    failed = reserveFileSpace(wal.file, 2 * c.walMaxBytes);
  } catch (e) {
    failed = (e as Error).message; // no reservation is no reason to stop the partition
  }
  if (failed)
    c.log.warn(
      `partition ${c.partition}: cannot reserve ${2 * c.walMaxBytes} bytes of disk for the WAL ${wal.file}: ${failed}; a disk filled by something else may make its writes fail`,
    );
}

/**
 * The log was written from another samples stream than the one there now
 * (deleted and created again): its points are kept (sealed and published, see
 * moveToNewStream; `adopt` makes the state the partition's before publishing)
 * and the log starts over for the new stream. Returns the state to go on
 * with, or undefined when the log held nothing.
 */
export async function carryOverLog(
  c: PartitionLogContext,
  wal: LocalLog,
  streamId: string,
  adopt: (state: HotState) => void,
  publishAll: () => Promise<void>,
): Promise<HotState | undefined> {
  const p = c.partition;
  const was = wal.streamId();
  const local =
    was === ''
      ? undefined
      : wal.recover({ partition: p, maxChunkAgeMs: c.maxChunkAgeMs }, (e) =>
          c.log.warn(`partition ${p}: ${e.message}`),
        );
  if (!local) {
    if (was !== '')
      c.log.warn(
        `partition ${p}: the samples stream was re-created (created ${streamId}, the WAL was written from the one created ${was}); the WAL held no points`,
      );
    await wal.clear(streamId);
    return undefined;
  }
  adopt(local.state);
  const r = await moveToNewStream(local.state, wal, publishAll, streamId);
  c.log.error(
    `partition ${p}: the samples stream ${STREAM_SAMPLES} was re-created (created ${streamId}; the WAL was written from the one created ${was}): its ${r.points} points were kept, sealed into ${r.chunks} chunks and published; consuming the new stream from sequence 1`,
  );
  return local.state;
}
