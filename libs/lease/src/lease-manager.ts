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
 */
export class LeaseManager {
  /** partition → revision of our last write of its lease key */
  private readonly owned = new Map<number, number>();
  private readonly renewedAt = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly busy = new Set<number>();
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

  ownedPartitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.round()
        .catch((e: Error) => this.opts.log.warn(`lease round failed: ${e.message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    tick();
  }

  private value(): Uint8Array {
    const v: LeaseValue = {
      owner: this.opts.memberId,
      host: this.opts.host,
      expiresAt: Date.now() + this.opts.ttlMs,
    };
    return new TextEncoder().encode(JSON.stringify(v));
  }

  /** One round: heartbeat, renew, then release extras or acquire free partitions. */
  async round(): Promise<void> {
    const now = Date.now();
    // A failed heartbeat (NATS unreachable) still lets the renewals below drop
    // what is about to lapse, so that a cut-off replica stops serving in time.
    let heartbeat: Error | undefined;
    try {
      await this.kv.put(memberKey(this.opts.memberId, this.prefix), this.value());
    } catch (e) {
      heartbeat = e as Error;
    }
    // Renew what we hold; a failed renewal means someone else holds it now.
    for (const [p, rev] of [...this.owned]) {
      if (this.stopped) return;
      try {
        const next = await this.kv.update(leaseKey(p, this.prefix), this.value(), rev);
        this.owned.set(p, next);
        this.renewedAt.set(p, Date.now());
      } catch (e) {
        const lapsed = now - (this.renewedAt.get(p) ?? 0) > this.opts.ttlMs * 0.75;
        if (/wrong last sequence|key exists|revision/i.test((e as Error).message) || lapsed) {
          this.opts.log.warn(`partition ${p}: lease lost (${(e as Error).message})`);
          await this.drop(p, true);
        }
      }
    }
    if (heartbeat) throw heartbeat;
    if (this.stopped) return;
    const { leases, view } = await this.read();
    const target = this.opts.pinned ? this.opts.pinned.length : targetOf(view, this.opts.memberId);
    this.noteShare(target, view);
    // Release extras (the highest numbered first) so that others can take them.
    if (!this.opts.pinned) {
      const extra = this.ownedPartitions()
        .reverse()
        .slice(0, Math.max(0, this.owned.size - target));
      for (const p of extra) await this.release(p);
    }
    // Acquire free or lapsed partitions up to the target.
    for (const p of this.opts.pinned ?? acquireOrder(view, this.opts.memberId)) {
      if (this.stopped || this.owned.size >= target) break;
      if (this.owned.has(p) || this.busy.has(p)) continue;
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
      try {
        await this.cb.acquired(p);
      } catch (err) {
        this.opts.log.error(`partition ${p}: cannot take over: ${(err as Error).message}`);
        await this.release(p);
      } finally {
        this.busy.delete(p);
      }
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

  /** Stops serving the partition and deletes our lease key so another replica can take it at once. */
  async release(p: number): Promise<void> {
    const rev = this.owned.get(p);
    if (rev === undefined) return;
    await this.drop(p, false);
    try {
      await this.kv.delete(leaseKey(p, this.prefix), { previousSeq: rev });
    } catch (e) {
      this.opts.log.warn(`partition ${p}: could not delete its lease: ${(e as Error).message}`);
    }
  }

  private async drop(p: number, lost: boolean): Promise<void> {
    this.owned.delete(p);
    this.renewedAt.delete(p);
    await this.cb
      .released(p, lost)
      .catch((e: Error) => this.opts.log.error(`partition ${p}: while stopping: ${e.message}`));
  }

  /** Graceful stop: hands every partition over at once and removes the membership. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    // Each partition's lease is deleted as soon as its state is flushed.
    await Promise.all(this.ownedPartitions().map((p) => this.release(p)));
    await this.kv.delete(memberKey(this.opts.memberId, this.prefix)).catch(() => undefined);
  }
}
