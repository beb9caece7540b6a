import type { JetStreamClient } from '@nats-io/jetstream';
import { manifestSubject } from '@ztsdb/bus';
import type { FileCatalog } from './file-catalog';
import { encodeManifestEvent, manifestEventId, type ManifestEvent } from '@ztsdb/wire';

/**
 * Records a file change: publishes the event on `ztsdb.manifest.p.<n>`
 * (Nats-Msg-Id = kind:file, so a retried publish is stored once), waits for
 * JetStream's acknowledgement, retrying until it comes, then applies it to
 * the compactor's own catalog.
 */
export class ManifestPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly catalog: FileCatalog,
    private readonly warn: (m: string) => void,
    private readonly isClosed: () => boolean,
  ) {}

  async record(e: ManifestEvent): Promise<void> {
    // What readers would refuse is never published (a bug here, not a transient failure).
    this.catalog.check(e);
    const data = encodeManifestEvent(e);
    let delay = 100;
    for (;;) {
      let seq: number;
      try {
        seq = (
          await this.js.publish(manifestSubject(e.partition), data, {
            msgID: manifestEventId(e),
            timeout: 5000,
          })
        ).seq;
      } catch (err) {
        if (this.isClosed()) throw err;
        this.warn(
          `cannot record ${e.kind} ${e.file} in the manifest (${(err as Error).message}); retrying`,
        );
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
        continue;
      }
      this.catalog.apply(e, seq);
      return;
    }
  }
}
