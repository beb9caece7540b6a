import type { KV } from '@nats-io/kv';
import { restoreMissingSeries } from '@ztsdb/bus';
import {
  seriesKey,
  seriesLabels,
  type ContainerInfo,
  type Labels,
  type SeriesEntry,
} from '@ztsdb/model';

export interface RegistrarOptions {
  /** How often keys gone from the bucket are registered again (ZTSDB_REGISTRY_REFRESH). */
  refreshMs: number;
  /** Opens the bucket for a refresh, creating it again if it was deleted. */
  reopen?: () => Promise<KV>;
  warn: (msg: string) => void;
}

/** The container is known by more (or other) labels than the entry holds (string compares only: runs per series per tick). */
function labelsBehind(labels: Labels, c: ContainerInfo): boolean {
  return (
    (c.name !== undefined && labels.container_name !== c.name) ||
    (c.image !== undefined && labels.image !== c.image) ||
    (c.runtime !== undefined && labels.runtime !== c.runtime) ||
    (c.pod !== undefined && labels.pod !== c.pod) ||
    (c.namespace !== undefined && labels.namespace !== c.namespace)
  );
}

/**
 * Keeps KV `ztsdb_series` in step with what the collector publishes: a new
 * series is registered once (again when the runtime's API names it later); a gone container's series are marked inactive;
 * and every `refreshMs` the series it registered whose keys have vanished
 * (the bucket was deleted) are registered again. Failures are retried on the
 * next tick and never hold samples back.
 */
export class SeriesRegistrar {
  private readonly registered = new Map<string, SeriesEntry>();
  private readonly pending = new Map<string, SeriesEntry>();
  private lastRefreshMs: number;

  constructor(
    private readonly kv: KV,
    private readonly opts: RegistrarOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.lastRefreshMs = now();
  }

  note(name: string, id: bigint, metric: string, container: ContainerInfo, nowMs: number): void {
    const key = seriesKey(id);
    const known = this.pending.get(key) ?? this.registered.get(key);
    // Names and images arrive from the runtime's API after the first tick: register again then.
    if (known && !labelsBehind(known.labels, container)) return;
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
        if (entry.active) this.registered.set(key, entry);
      } catch (e) {
        this.opts.warn(
          `cannot register series ${entry.name} (${(e as Error).message}); will retry`,
        );
        return;
      }
    }
    if (this.now() - this.lastRefreshMs >= this.opts.refreshMs) await this.refresh();
  }

  /** Registers again the active series whose keys are gone from the bucket. */
  async refresh(): Promise<number> {
    this.lastRefreshMs = this.now();
    try {
      const kv = this.opts.reopen ? await this.opts.reopen() : this.kv;
      const n = await restoreMissingSeries(kv, [...this.registered.values()], { deadlineMs: 0 });
      if (n > 0)
        this.opts.warn(`registered ${n} series again: their keys were gone from KV ztsdb_series`);
      return n;
    } catch (e) {
      this.opts.warn(`cannot check the series registry (${(e as Error).message}); will retry`);
      return 0;
    }
  }
}
