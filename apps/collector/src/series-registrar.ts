import { Logger } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { seriesKey, seriesLabels, type ContainerInfo, type SeriesEntry } from '@ztsdb/model';

/**
 * Keeps KV `ztsdb_series` in step with what the collector publishes: a new
 * series is registered once; a gone container's series are marked inactive.
 * Failures are retried on the next tick and never hold samples back.
 */
export class SeriesRegistrar {
  private readonly log = new Logger('collector');
  private readonly registered = new Set<string>();
  private readonly pending = new Map<string, SeriesEntry>();

  constructor(private readonly kv: KV) {}

  note(name: string, id: bigint, metric: string, container: ContainerInfo, nowMs: number): void {
    const key = seriesKey(id);
    if (this.registered.has(key) || this.pending.has(key)) return;
    this.pending.set(key, {
      id: key,
      name,
      labels: seriesLabels(metric, container),
      active: true,
      updatedMs: nowMs,
    });
  }

  markInactive(
    entries: Array<{ name: string; id: bigint; metric: string; container: ContainerInfo }>,
    nowMs: number,
  ): void {
    for (const e of entries) {
      const key = seriesKey(e.id);
      this.registered.delete(key);
      this.pending.set(key, {
        id: key,
        name: e.name,
        labels: seriesLabels(e.metric, e.container),
        active: false,
        updatedMs: nowMs,
      });
    }
  }

  /** Writes what is pending; resolves once done or once a write fails (the rest waits a tick). */
  async flush(): Promise<void> {
    for (const [key, entry] of [...this.pending]) {
      try {
        await this.kv.put(key, JSON.stringify(entry));
        this.pending.delete(key);
        if (entry.active) this.registered.add(key);
      } catch (e) {
        this.log.warn(`cannot register series ${entry.name} (${(e as Error).message}); will retry`);
        return;
      }
    }
  }
}
