import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import { RepeatedWarnings, STREAM_SAMPLES } from '@ztsdb/bus';

/** Not found, as JetStream says it for a stream (or a consumer, with `code`). */
export function isNotFound(e: unknown, code: number = JetStreamApiCodes.StreamNotFound): boolean {
  if (e instanceof JetStreamApiError) return e.code === code;
  return /not found/i.test(String((e as Error)?.message));
}

/** What the watch needs of each partition it looks after. */
export interface WatchedPartition {
  readonly partition: number;
  /** Durable consumer name on the samples stream. */
  readonly consumer: string;
  /** True while the partition is consuming (not taking over, not re-creating its consumer, not paused). */
  consuming(): boolean;
  /** Re-create the consumer; a new stream (another creation time) is adopted first. */
  reset(why: string): Promise<void>;
  /** Creation time of the samples stream its sequences belong to. */
  readonly streamId: string;
}

export interface StreamWatchOptions {
  intervalMs: number;
  warnIntervalMs: number;
  /**
   * How long the stream must have been missing (since the check that found it so) before it is
   * re-created.
   */
  recreateAfterMs: number;
  /** Creates what is missing of the topology (streams, buckets), as every service does at start. */
  recreate(): Promise<void>;
  partitions(): Iterable<WatchedPartition>;
  log: { error(line: string): void; warn(line: string): void; log(line: string): void };
}

/**
 * Looks every interval that the samples stream and the consumers of the
 * owned partitions exist. A deleted stream stops all ingestion without any
 * error on the consuming side, so this is where it is noticed: the watch logs
 * it (once per warning interval), reports it through `problem` (the ingestor
 * is then unhealthy), re-creates the stream with the topology's settings so
 * producers can go on, and has each partition adopt the new stream. A missing
 * consumer (deleted by hand) is re-created.
 *
 * The stream is re-created only once it has been missing for `recreateAfterMs`. A stream is
 * missing from the server's API as soon as its deletion begins, but its files are removed
 * after that (all of its blocks, then its directory). A stream of the same name created in
 * between gets the same directory, and the end of the deletion removes the new stream's files
 * under it: nats-server 2.9 then accepts and acknowledges messages that no consumer filtered
 * by subject (a partition's) ever sees.
 */
export class StreamWatch {
  /** Why ingestion cannot go on ('' when it can). */
  problem = '';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly warnings: RepeatedWarnings;
  /** When a check first found the stream missing (undefined while it exists). */
  private missingSince: number | undefined;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly opts: StreamWatchOptions,
  ) {
    this.warnings = new RepeatedWarnings((l) => opts.log.error(l), opts.warnIntervalMs);
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.check()
        .catch((e: Error) => {
          this.warnings.report('check', `cannot check the samples stream: ${e.message}`);
        })
        .finally(() => {
          if (!this.stopped) {
            this.timer = setTimeout(tick, this.opts.intervalMs);
            this.timer.unref();
          }
        });
    };
    this.timer = setTimeout(tick, this.opts.intervalMs);
    this.timer.unref();
  }

  /** One look (the timer calls it; tests may too). */
  async check(): Promise<void> {
    let created: string;
    try {
      created = (await this.jsm.streams.info(STREAM_SAMPLES)).created;
    } catch (e) {
      if (!isNotFound(e)) throw e;
      this.problem = `the samples stream ${STREAM_SAMPLES} is missing`;
      const now = Date.now();
      this.missingSince ??= now;
      const wait = this.missingSince + this.opts.recreateAfterMs - now;
      this.warnings.report(
        'missing',
        `the samples stream ${STREAM_SAMPLES} is missing (deleted?): no partition can consume; re-creating it so producers can go on${wait > 0 ? `, once it has been missing for ${this.opts.recreateAfterMs} ms (ZTSDB_STREAM_RECREATE_AFTER)` : ''}`,
      );
      // Until then its deletion may still be removing files from the directory a new one gets.
      if (wait > 0) return;
      await this.opts.recreate();
      created = (await this.jsm.streams.info(STREAM_SAMPLES)).created;
      this.opts.log.warn(`re-created the samples stream ${STREAM_SAMPLES} (created ${created})`);
    }
    this.missingSince = undefined;
    for (const p of this.opts.partitions()) {
      if (p.streamId !== '' && p.streamId !== created) {
        void p.reset(`the samples stream was re-created (created ${created})`);
        continue;
      }
      if (!p.consuming()) continue;
      try {
        await this.jsm.consumers.info(STREAM_SAMPLES, p.consumer);
      } catch (e) {
        if (!isNotFound(e, JetStreamApiCodes.ConsumerNotFound)) throw e;
        this.warnings.report(
          `consumer-${p.partition}`,
          `partition ${p.partition}: its consumer ${p.consumer} is missing (deleted?); re-creating it`,
        );
        void p.reset('the consumer was missing');
      }
    }
    this.problem = '';
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    this.warnings.stop();
  }
}
