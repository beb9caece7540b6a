import type { KV, KvEntry } from '@nats-io/kv';
import { acquireOrder, targetOf, type ShareView } from './balanced-share';

/** Value of a lease key `<prefix>p.<n>` and of a membership key `<prefix>member.<id>` in KV `ztsdb_leases`. */
export interface LeaseValue {
  owner: string;
  host: string;
  /** Wall-clock ms after which the lease (or membership) has lapsed unless renewed. */
  expiresAt: number;
}

export interface LeaseCallbacks {
  /** The partition is ours now (the lease is held); start serving it. */
  acquired(partition: number): Promise<void>;
  /** We must stop serving the partition: `lost` = the lease is no longer ours; else we release it afterwards. */
  released(partition: number, lost: boolean): Promise<void>;
}

export interface LeaseLog {
  log(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export interface LeaseOptions {
  memberId: string;
  host: string;
  partitions: number;
  ttlMs: number;
  /** Partitions to own regardless of other replicas (ZTSDB_INGESTOR_PARTITIONS); undefined = share. */
  pinned?: number[];
  /**
   * Key prefix of this kind of service in the bucket: '' for the ingestors
   * (`p.<n>`, `member.<id>`), `compactor.` for the compactors. Each kind
   * shares the partitions among its own replicas only.
   */
  keyPrefix?: string;
  log: LeaseLog;
}

export const leaseKey = (p: number, prefix = ''): string => `${prefix}p.${p}`;
export const memberKey = (id: string, prefix = ''): string => `${prefix}member.${id}`;

/**
 * Partition ownership through KV `ztsdb_leases`. Every replica writes a
 * membership key; each lease key holds its owner and an expiry time. A lease
 * is taken with `create` (absent or deleted key) or `update` at the revision
 * read (lapsed lease), and renewed with `update` at the revision of our last
 * write, so two replicas can never both succeed. Each round a replica
 * computes its balanced share (balanced-share.ts: floor or ceil of
 * partitions / live members, none for a standby beyond the partition count),
 * releases extras and acquires free or lapsed partitions up to it; when a
 * renewal fails or cannot be made before the lease lapses, the partition is
 * dropped at once.
 *
 * Renewals (and the membership heartbeat) run on a timer of their own, never
 * behind a callback: a partition whose release flushes for longer than the TTL
 * (a snapshot, a merge to finish) or whose takeover is slow must not cost the
 * replica its other leases. A partition being released stays renewed until its
 * key is deleted, so nobody takes it over while its state is still flushed.
 */
export class LeaseManager {
  /** partition → revision of our last write of its lease key (held in KV, renewed) */
  private readonly owned = new Map<number, number>();
  private readonly renewedAt = new Map<number, number>();
  /** Held partitions whose `released` callback runs before their key is deleted. */
  private readonly releasing = new Set<number>();
  /** Partitions whose key is being deleted: not renewed any more. */
  private readonly deleting = new Set<number>();
  /** Partitions whose `acquired` callback runs. */
  private readonly busy = new Set<number>();
  /** `released(p, true)` callbacks of lost leases, still running: not acquired again till they end. */
  private readonly dropping = new Map<number, Promise<void>>();
  private balanceTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private balancing: Promise<void> | undefined;
  private renewing: Promise<void> | undefined;
  /** No more acquiring or balancing (stop() began). */
  private stopped = false;
  /** No more renewals (every partition is released). */
  private closed = false;
  private readonly prefix: string;
  /** Partitions this replica should own after the last round (undefined before the first). */
  target: number | undefined;
  /** Live replicas of this kind seen in the last round. */
  members = 0;

  constructor(
    private readonly kv: KV,
    private readonly opts: LeaseOptions,
    private readonly cb: LeaseCallbacks,
  ) {
    this.prefix = opts.keyPrefix ?? '';
  }

  get intervalMs(): number {
    return Math.max(100, Math.floor(this.opts.ttlMs / 4));
  }

  /** A hot standby: more replicas than partitions, and this one is asked to own none. */
  get standby(): boolean {
    return this.target === 0 && !this.opts.pinned;
  }

  /** Partitions served (held and not being released). */
  ownedPartitions(): number[] {
    return [...this.owned.keys()].filter((p) => !this.releasing.has(p)).sort((a, b) => a - b);
  }

  start(): void {
    const renew = () => {
      if (this.closed) return;
      this.renewing = this.renew()
        .catch((e: Error) => this.opts.log.warn(`lease renewal failed: ${e.message}`))
        .finally(() => {
          if (!this.closed) this.renewTimer = setTimeout(renew, this.intervalMs);
        });
    };
    const balance = () => {
      if (this.stopped) return;
      this.balancing = this.balance()
        .catch((e: Error) => this.opts.log.warn(`lease round failed: ${e.message}`))
        .finally(() => {
          if (!this.stopped) this.balanceTimer = setTimeout(balance, this.intervalMs);
        });
    };
    // The first balance round starts after the first heartbeat, so that the replica counts itself.
    renew();
    void this.renewing?.finally(balance);
  }

  private value(): Uint8Array {
    const v: LeaseValue = {
      owner: this.opts.memberId,
      host: this.opts.host,
      expiresAt: Date.now() + this.opts.ttlMs,
    };
    return new TextEncoder().encode(JSON.stringify(v));
  }

  /** One whole round, renewals then balance (tests drive rounds with it). */
  async round(): Promise<void> {
    await this.renew();
    await this.balance();
  }

  /** Heartbeat, then a renewal of every lease held; a lease no longer ours is dropped. */
  async renew(): Promise<void> {
    const now = Date.now();
    // A failed heartbeat (NATS unreachable) still lets the renewals below drop
    // what is about to lapse, so that a cut-off replica stops serving in time.
    let heartbeat: Error | undefined;
    try {
      await this.kv.put(memberKey(this.opts.memberId, this.prefix), this.value());
    } catch (e) {
      heartbeat = e as Error;
    }
    for (const [p, rev] of [...this.owned]) {
      if (this.closed) return;
      if (this.deleting.has(p)) continue;
      try {
        const next = await this.kv.update(leaseKey(p, this.prefix), this.value(), rev);
        // Released (or lost) meanwhile: the release deletes at the revision it reads.
        if (this.owned.get(p) !== rev) continue;
        this.owned.set(p, next);
        this.renewedAt.set(p, Date.now());
      } catch (e) {
        if (this.owned.get(p) !== rev) continue;
        const lapsed = now - (this.renewedAt.get(p) ?? 0) > this.opts.ttlMs * 0.75;
        if (/wrong last sequence|key exists|revision/i.test((e as Error).message) || lapsed) {
          this.opts.log.warn(`partition ${p}: lease lost (${(e as Error).message})`);
          this.lose(p);
        }
      }
    }
    if (heartbeat) throw heartbeat;
  }

  /** The lease is no longer ours: stop serving at once (without holding up the renewals). */
  private lose(p: number): void {
    this.owned.delete(p);
    this.renewedAt.delete(p);
    // A release in progress stops the partition itself; an acquire in progress is
    // undone by balance() once its callback returns.
    if (this.releasing.has(p) || this.busy.has(p)) return;
    const stopping = this.cb
      .released(p, true)
      .catch((e: Error) => this.opts.log.error(`partition ${p}: while stopping: ${e.message}`))
      .finally(() => this.dropping.delete(p));
    this.dropping.set(p, stopping);
  }

  /** Releases extras, then acquires free or lapsed partitions up to this replica's share. */
  async balance(): Promise<void> {
    if (this.stopped) return;
    const { leases, view } = await this.read();
    const target = this.opts.pinned ? this.opts.pinned.length : targetOf(view, this.opts.memberId);
    this.noteShare(target, view);
    // Release extras (the highest numbered) so that others can take them, all at once as stop()
    // does: a replica that joins gets its share after one flush, not one flush per partition.
    if (!this.opts.pinned) {
      const serving = this.ownedPartitions();
      const extra = serving.reverse().slice(0, Math.max(0, serving.length - target));
      await Promise.all(extra.map((p) => this.release(p)));
    }
    // Acquire free or lapsed partitions up to the target.
    for (const p of this.opts.pinned ?? acquireOrder(view, this.opts.memberId)) {
      if (this.stopped || this.ownedPartitions().length >= target) break;
      if (this.owned.has(p) || this.busy.has(p) || this.dropping.has(p)) continue;
      const e = leases.get(p);
      let rev: number;
      try {
        if (!e || e.operation !== 'PUT')
          rev = await this.kv.create(leaseKey(p, this.prefix), this.value());
        else if (this.lapsed(e) || this.mine(e))
          rev = await this.kv.update(leaseKey(p, this.prefix), this.value(), e.revision);
        else continue;
      } catch {
        continue; // another replica was quicker
      }
      this.owned.set(p, rev);
      this.renewedAt.set(p, Date.now());
      this.busy.add(p);
      let served = true;
      try {
        await this.cb.acquired(p);
      } catch (err) {
        served = false;
        this.opts.log.error(`partition ${p}: cannot take over: ${(err as Error).message}`);
      } finally {
        this.busy.delete(p);
      }
      if (!this.owned.has(p)) {
        // Lost while its takeover ran.
        if (served)
          await this.cb
            .released(p, true)
            .catch((e: Error) =>
              this.opts.log.error(`partition ${p}: while stopping: ${e.message}`),
            );
      } else if (!served) await this.release(p);
    }
  }

  /** Logs when this replica becomes a hot standby or stops being one. */
  private noteShare(target: number, view: ShareView): void {
    const was = this.standby;
    const first = this.target === undefined;
    this.target = target;
    this.members = view.members.length;
    if (this.standby && (first || !was))
      this.opts.log.log(
        `hot standby: ${view.members.length} replicas share ${view.partitions} partition${view.partitions === 1 ? '' : 's'}; this one owns none and takes over when a replica leaves`,
      );
    else if (!this.standby && was)
      this.opts.log.log(`no longer a standby: taking ${target} of ${view.partitions} partitions`);
  }

  /** A lease this member wrote before (e.g. before NATS went away), not renewed since. */
  private mine(e: KvEntry): boolean {
    return this.parse(e)?.owner === this.opts.memberId;
  }

  private lapsed(e: KvEntry): boolean {
    const v = this.parse(e);
    return !v || v.expiresAt < Date.now();
  }

  private parse(e: KvEntry): LeaseValue | undefined {
    try {
      return e.json<LeaseValue>();
    } catch {
      return undefined;
    }
  }

  /** The lease keys of this kind, and the share view: live members and the live leases each holds. */
  private async read(): Promise<{ leases: Map<number, KvEntry>; view: ShareView }> {
    const leases = new Map<number, KvEntry>();
    const members: string[] = [];
    const keys: string[] = [];
    const leasePrefix = `${this.prefix}p.`;
    const memberPrefix = `${this.prefix}member.`;
    for await (const k of await this.kv.keys(this.prefix ? `${this.prefix}>` : undefined))
      if (k.startsWith(leasePrefix) || k.startsWith(memberPrefix)) keys.push(k);
    for (const k of keys) {
      const e = await this.kv.get(k);
      if (!e || e.operation !== 'PUT') continue;
      if (k.startsWith(leasePrefix)) {
        const p = Number(k.slice(leasePrefix.length));
        if (Number.isInteger(p) && p >= 0 && p < this.opts.partitions) leases.set(p, e);
      } else if (!this.lapsed(e)) members.push(k.slice(memberPrefix.length));
    }
    if (!members.includes(this.opts.memberId)) members.push(this.opts.memberId);
    const holdings = new Map<string, number>();
    for (const e of leases.values()) {
      const v = this.parse(e);
      if (!v || v.expiresAt < Date.now() || !members.includes(v.owner)) continue;
      holdings.set(v.owner, (holdings.get(v.owner) ?? 0) + 1);
    }
    return { leases, view: { partitions: this.opts.partitions, members, holdings } };
  }

  /**
   * Stops serving the partition (its `released` callback, while the lease is
   * still renewed) and then deletes our lease key, so another replica can take
   * it at once.
   */
  async release(p: number): Promise<void> {
    if (!this.owned.has(p) || this.releasing.has(p)) return;
    this.releasing.add(p);
    try {
      await this.cb
        .released(p, false)
        .catch((e: Error) => this.opts.log.error(`partition ${p}: while stopping: ${e.message}`));
      this.deleting.add(p);
      // A renewal may land between reading the revision and deleting: read it again then.
      for (let attempt = 0; attempt < 3; attempt++) {
        const rev = this.owned.get(p);
        if (rev === undefined) break; // lost meanwhile
        try {
          await this.kv.delete(leaseKey(p, this.prefix), { previousSeq: rev });
          break;
        } catch (e) {
          if (this.owned.get(p) !== rev) continue;
          this.opts.log.warn(`partition ${p}: could not delete its lease: ${(e as Error).message}`);
          break;
        }
      }
    } finally {
      this.owned.delete(p);
      this.renewedAt.delete(p);
      this.releasing.delete(p);
      this.deleting.delete(p);
    }
  }

  /** Graceful stop: hands every partition over at once and removes the membership. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.balanceTimer);
    await this.balancing?.catch(() => undefined);
    // Each partition's lease is deleted as soon as its state is flushed; renewals go on till then.
    await Promise.all(this.ownedPartitions().map((p) => this.release(p)));
    await Promise.all([...this.dropping.values()]);
    this.closed = true;
    clearTimeout(this.renewTimer);
    await this.renewing?.catch(() => undefined);
    await this.kv.delete(memberKey(this.opts.memberId, this.prefix)).catch(() => undefined);
  }
}
