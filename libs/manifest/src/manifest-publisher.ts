import type { JetStreamClient } from '@nats-io/jetstream';
import { manifestSubject, STREAM_MANIFEST } from '@ztsdb/bus';
import type { FileCatalog } from './file-catalog';
import {
  encodeManifestEvent,
  encodeManifestSnapshot,
  manifestEventId,
  type ManifestEvent,
} from '@ztsdb/wire';

/**
 * Records a file change: publishes the event on `ztsdb.manifest.p.<n>`
 * (Nats-Msg-Id = kind:file, so a retried publish is stored once), waits for
 * JetStream's acknowledgement, retrying until it comes, then applies it to
 * the compactor's own catalog. Takes catalog snapshots and purges what they
 * make redundant (`snapshot`). One publish at a time: a snapshot must include
 * every event stored before it, so none may be in flight while it is taken.
 */
export class ManifestPublisher {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly js: JetStreamClient,
    private readonly catalog: FileCatalog,
    private readonly warn: (m: string) => void,
    private readonly isClosed: () => boolean,
  ) {}

  record(e: ManifestEvent): Promise<void> {
    // What readers would refuse is never published (a bug here, not a transient failure).
    this.catalog.check(e);
    return this.exclusive(async () => {
      const seq = await this.publish(
        e.partition,
        encodeManifestEvent(e),
        manifestEventId(e),
        `${e.kind} ${e.file}`,
      );
      this.catalog.apply(e, seq);
    });
  }

  /**
   * Publishes a catalog snapshot of `partition` (when anything changed since
   * its last one), then purges the partition's messages older than its
   * previous snapshot: every event stays at least one snapshot interval, so a
   * reader a little behind (an ingestor dropping the chunks a warm file took)
   * still sees it. Resolves with the snapshot's stream sequence, or 0 when
   * none was needed.
   */
  snapshot(partition: number, atMs = Date.now()): Promise<number> {
    return this.exclusive(async () => {
      if (!this.catalog.changedSinceSnapshot(partition)) return 0;
      const previous = this.catalog.snapshotSeq(partition);
      const snap = this.catalog.snapshot(partition, atMs);
      const seq = await this.publish(
        partition,
        encodeManifestSnapshot(snap),
        `snapshot:p${partition}:${snap.throughSeq}`,
        `the catalog snapshot of partition ${partition}`,
      );
      this.catalog.applySnapshot(snap, seq);
      if (previous > 0) {
        // JetStream (nats-server 2.9+): removes the subject's messages below `seq`.
        const jsm = await this.js.jetstreamManager();
        await jsm.streams.purge(STREAM_MANIFEST, {
          filter: manifestSubject(partition),
          seq: previous,
        });
      }
      return seq;
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async publish(
    partition: number,
    data: Uint8Array,
    msgID: string,
    what: string,
  ): Promise<number> {
    let delay = 100;
    for (;;) {
      try {
        return (await this.js.publish(manifestSubject(partition), data, { msgID, timeout: 5000 }))
          .seq;
      } catch (err) {
        if (this.isClosed()) throw err;
        this.warn(`cannot record ${what} in the manifest (${(err as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }
}
