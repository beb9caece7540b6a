import { JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { restoreMissingSeries } from '@ztsdb/bus';
import {
  encodeSeriesEntry,
  seriesKey,
  type ContainerInfo,
  type Labels,
  type SeriesEntry,
} from '@ztsdb/model';

export interface RegistrarOptions {
  /** How often keys gone from the bucket are registered again (ZTSDB_REGISTRY_REFRESH). */
  refreshMs: number;
  /** Opens the bucket for a refresh, creating it again if it was deleted. */
  reopen?: () => Promise<KV>;
  /**
   * Leave an entry that is already in the bucket as it is (import: a CSV line knows less about
   * a collector's series than the collector registered). Costs a create instead of a put.
   */
  keepExisting?: boolean;
  /**
   * With keepExisting: writes an entry only if its key holds nothing, answering whether it did
   * (the import's own acknowledgement inbox, not a request each); `kv.create` without it.
   */
  create?: (key: string, value: Uint8Array) => Promise<'created' | 'exists'>;
  warn: (msg: string) => void;
}

const WRITES_AT_ONCE = 256;
/** JetStream's answer to a create of a key that holds a value (StreamWrongLastSequence). */
const WRONG_LAST_SEQUENCE = 10071;

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

/** Labels, or a function that makes them only when the series is new (no object per sample). */
export type LabelsOf = Labels | (() => Labels);

/**
 * Keeps KV `ztsdb_series` in step with what a producer publishes: a new
 * series is registered once; a gone series is marked inactive; and every
 * `refreshMs` the series it registered whose keys have vanished (the bucket
 * was deleted) are registered again. A failed write stays pending for the
 * next flush.
 */
export class SeriesRegistrar {
  private readonly registered = new Map<string, SeriesEntry>();
  private readonly pending = new Map<string, SeriesEntry>();
  private readonly writing = new Map<SeriesEntry, Promise<string | undefined>>();
  private lastRefreshMs: number;
  /** Entries this registrar wrote that were not in the bucket before (with keepExisting). */
  created = 0;

  constructor(
    private readonly kv: KV,
    private readonly opts: RegistrarOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.lastRefreshMs = now();
  }

  /** True when the series still has to be written (new, or inactive and seen again). */
  isNew(id: bigint): boolean {
    const key = seriesKey(id);
    return !this.registered.has(key) && !this.pending.has(key);
  }

  /**
   * The registered entry lacks labels the container has now: names and images arrive from the
   * runtime's API after the first tick, and the series is registered again (`update`) then.
   */
  labelsBehind(id: bigint, c: ContainerInfo): boolean {
    const key = seriesKey(id);
    const known = this.pending.get(key) ?? this.registered.get(key);
    return known !== undefined && labelsBehind(known.labels, c);
  }

  /** Registers the series again with these labels, known or not. */
  update(name: string, id: bigint, labels: Labels, nowMs: number): void {
    const key = seriesKey(id);
    this.registered.delete(key);
    this.pending.set(key, { id: key, name, labels, active: true, updatedMs: nowMs });
  }

  note(name: string, id: bigint, labels: LabelsOf, nowMs: number): void {
    const key = seriesKey(id);
    if (this.registered.has(key) || this.pending.has(key)) return;
    this.pending.set(key, {
      id: key,
      name,
      labels: typeof labels === 'function' ? labels() : labels,
      active: true,
      updatedMs: nowMs,
    });
  }

  markInactive(
    entries: Array<{ name: string; id: bigint; labels: LabelsOf }>,
    nowMs: number,
  ): void {
    for (const e of entries) {
      const key = seriesKey(e.id);
      this.registered.delete(key);
      this.pending.set(key, {
        id: key,
        name: e.name,
        labels: typeof e.labels === 'function' ? e.labels() : e.labels,
        active: false,
        updatedMs: nowMs,
      });
    }
  }

  /** Series waiting to be written. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Writes what is pending; stops at the first failed write (the rest waits for the next
   * flush). Resolves true when every entry pending at the call was written (entries noted
   * meanwhile are for the next flush: concurrent writers each flush their own).
   */
  async flush(): Promise<boolean> {
    const todo = [...this.pending];
    // Up to WRITES_AT_ONCE puts in flight: a receiver's first request can name thousands of
    // new series, and one round trip each in turn would hold it for seconds. A put another
    // flush has in flight is awaited, not repeated.
    for (let i = 0; i < todo.length; i += WRITES_AT_ONCE) {
      const results = await Promise.all(
        todo.slice(i, i + WRITES_AT_ONCE).map(([key, entry]) => this.writeOnce(key, entry)),
      );
      const failed = results.find((r) => r !== undefined);
      if (failed) {
        this.opts.warn(failed);
        return false;
      }
    }
    if (this.now() - this.lastRefreshMs >= this.opts.refreshMs) await this.refresh();
    return true;
  }

  /** Writes one pending entry (or joins the write in flight); an error message on failure. */
  private writeOnce(key: string, entry: SeriesEntry): Promise<string | undefined> {
    if (this.pending.get(key) !== entry) return Promise.resolve(undefined);
    let w = this.writing.get(entry);
    if (!w) {
      w = this.write(key, entry).then(
        () => {
          this.writing.delete(entry);
          if (this.pending.get(key) === entry) this.pending.delete(key);
          if (entry.active) this.registered.set(key, entry);
          return undefined;
        },
        (e: Error) => {
          this.writing.delete(entry);
          return `cannot register series ${entry.name} (${e.message}); will retry`;
        },
      );
      this.writing.set(entry, w);
    }
    return w;
  }

  private async write(key: string, entry: SeriesEntry): Promise<void> {
    // docs/format/series-entry.md, version 2.
    const value = encodeSeriesEntry(entry);
    if (!this.opts.keepExisting || !entry.active) {
      await this.kv.put(key, value);
      return;
    }
    // One round trip for a new series (the usual case of an import); only a key already
    // there costs a read, to tell a real entry (kept) from an empty one (written).
    if (this.opts.create) {
      if ((await this.opts.create(key, value)) === 'created') {
        this.created++;
        return;
      }
    } else
      try {
        await this.kv.create(key, value);
        this.created++;
        return;
      } catch (e) {
        if (!(e instanceof JetStreamApiError) || e.code !== WRONG_LAST_SEQUENCE) throw e;
      }
    const cur = await this.kv.get(key);
    if (cur && cur.operation === 'PUT' && cur.length > 0) return;
    await this.kv.put(key, value);
    this.created++;
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
