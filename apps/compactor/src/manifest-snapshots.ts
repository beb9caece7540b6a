import type { ManifestPublisher } from '@ztsdb/manifest';

/**
 * Keeps the manifest stream proportional to the files, not to every file
 * change ever recorded: every interval, each partition whose manifest
 * changed gets a catalog snapshot, and what precedes its previous snapshot is
 * purged (ManifestPublisher.snapshot). A failure is reported and tried again
 * at the next interval; the events stay until then.
 */
export class ManifestSnapshots {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly publisher: ManifestPublisher,
    private readonly opts: {
      partitions: number;
      intervalMs: number;
      warn: (m: string) => void;
      /** Partitions this replica compacts (leases); only their owner's catalog is sure to hold every event. */
      owns?: (partition: number) => boolean;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** One round now (tests); resolves when every partition was looked at. */
  tick(): Promise<void> {
    this.running ??= (async () => {
      for (let p = 0; p < this.opts.partitions; p++) {
        if (this.opts.owns && !this.opts.owns(p)) continue;
        try {
          await this.publisher.snapshot(p);
        } catch (e) {
          this.opts.warn(
            `manifest of partition ${p} not compacted (tried again in ${this.opts.intervalMs} ms): ${(e as Error).message}`,
          );
        }
      }
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
