import { Logger } from '@nestjs/common';
import type { KV, KvEntry } from '@nats-io/kv';

/** Value of a lease key `p.<n>` and of a membership key `member.<id>` in KV `ztsdb_leases`. */
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

export interface LeaseOptions {
  memberId: string;
  host: string;
  partitions: number;
  ttlMs: number;
  /** Partitions to own regardless of other replicas (ZTSDB_INGESTOR_PARTITIONS); undefined = share. */
  pinned?: number[];
}

export const leaseKey = (p: number): string => `p.${p}`;
export const memberKey = (id: string): string => `member.${id}`;

/**
 * Partition ownership through KV `ztsdb_leases`. Every replica writes a
 * membership key; each lease key holds its owner and an expiry time. A lease
 * is taken with `create` (absent or deleted key) or `update` at the revision
 * read (lapsed lease), and renewed with `update` at the revision of our last
 * write, so two replicas can never both succeed. A replica targets
 * ceil(partitions / live members) partitions and releases extras; when a
 * renewal fails or cannot be made before the lease lapses, the partition is
 * dropped at once.
 */
export class LeaseManager {
  private readonly log = new Logger('ingestor');
  /** partition → revision of our last write of its lease key */
  private readonly owned = new Map<number, number>();
  private readonly renewedAt = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly busy = new Set<number>();

  constructor(
    private readonly kv: KV,
    private readonly opts: LeaseOptions,
    private readonly cb: LeaseCallbacks,
  ) {}

  get intervalMs(): number {
    return Math.max(100, Math.floor(this.opts.ttlMs / 4));
  }

  ownedPartitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.round()
        .catch((e: Error) => this.log.warn(`lease round failed: ${e.message}`))
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
    await this.kv.put(memberKey(this.opts.memberId), this.value());
    // Renew what we hold; a failed renewal means someone else holds it now.
    for (const [p, rev] of [...this.owned]) {
      if (this.stopped) return;
      try {
        const next = await this.kv.update(leaseKey(p), this.value(), rev);
        this.owned.set(p, next);
        this.renewedAt.set(p, Date.now());
      } catch (e) {
        const lapsed = now - (this.renewedAt.get(p) ?? 0) > this.opts.ttlMs * 0.75;
        if (/wrong last sequence|key exists|revision/i.test((e as Error).message) || lapsed) {
          this.log.warn(`partition ${p}: lease lost (${(e as Error).message})`);
          await this.drop(p, true);
        }
      }
    }
    const { leases, members } = await this.read();
    const wanted = this.opts.pinned ?? this.share(members);
    // Release extras (the highest numbered first) so that others can take them.
    if (!this.opts.pinned) {
      const extra = this.ownedPartitions().filter((p) => !wanted.includes(p));
      const target = wanted.length;
      for (const p of extra.slice(0, Math.max(0, this.owned.size - target))) await this.release(p);
    }
    // Acquire free or lapsed partitions up to the target.
    const target = this.opts.pinned ? this.opts.pinned.length : wanted.length;
    for (const p of this.acquireOrder(wanted)) {
      if (this.stopped || this.owned.size >= target) break;
      if (this.owned.has(p) || this.busy.has(p)) continue;
      const e = leases.get(p);
      let rev: number;
      try {
        if (!e || e.operation !== 'PUT') rev = await this.kv.create(leaseKey(p), this.value());
        else if (this.lapsed(e) || this.mine(e))
          rev = await this.kv.update(leaseKey(p), this.value(), e.revision);
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
        this.log.error(`partition ${p}: cannot take over: ${(err as Error).message}`);
        await this.release(p);
      } finally {
        this.busy.delete(p);
      }
    }
  }

  /** A lease this member wrote before (e.g. before NATS went away), not renewed since. */
  private mine(e: KvEntry): boolean {
    try {
      return e.json<LeaseValue>().owner === this.opts.memberId;
    } catch {
      return false;
    }
  }

  private lapsed(e: KvEntry): boolean {
    try {
      return e.json<LeaseValue>().expiresAt < Date.now();
    } catch {
      return true;
    }
  }

  private async read(): Promise<{ leases: Map<number, KvEntry>; members: string[] }> {
    const leases = new Map<number, KvEntry>();
    const members: string[] = [];
    const keys: string[] = [];
    for await (const k of await this.kv.keys()) keys.push(k);
    for (const k of keys) {
      const e = await this.kv.get(k);
      if (!e || e.operation !== 'PUT') continue;
      if (k.startsWith('p.')) leases.set(Number(k.slice(2)), e);
      else if (k.startsWith('member.') && !this.lapsed(e)) members.push(k.slice('member.'.length));
    }
    if (!members.includes(this.opts.memberId)) members.push(this.opts.memberId);
    return { leases, members };
  }

  /**
   * The partitions this member should own for an even spread: members sorted
   * by id, partition p → member (p mod count) is the preferred layout; this
   * member wants its preferred ones and, up to ceil(P / members), any others.
   */
  private share(members: string[]): number[] {
    const sorted = [...members].sort();
    const me = sorted.indexOf(this.opts.memberId);
    const target = Math.ceil(this.opts.partitions / sorted.length);
    const preferred: number[] = [];
    for (let p = 0; p < this.opts.partitions; p++) if (p % sorted.length === me) preferred.push(p);
    const held = this.ownedPartitions();
    const out = [...preferred];
    for (const p of held) if (out.length < target && !out.includes(p)) out.push(p);
    for (let p = 0; p < this.opts.partitions && out.length < target; p++)
      if (!out.includes(p)) out.push(p);
    return out.slice(0, target).sort((a, b) => a - b);
  }

  private acquireOrder(wanted: number[]): number[] {
    const rest: number[] = [];
    if (!this.opts.pinned)
      for (let p = 0; p < this.opts.partitions; p++) if (!wanted.includes(p)) rest.push(p);
    return [...wanted, ...rest];
  }

  /** Stops serving the partition and deletes our lease key so another replica can take it at once. */
  async release(p: number): Promise<void> {
    const rev = this.owned.get(p);
    if (rev === undefined) return;
    await this.drop(p, false);
    try {
      await this.kv.delete(leaseKey(p), { previousSeq: rev });
    } catch (e) {
      this.log.warn(`partition ${p}: could not delete its lease: ${(e as Error).message}`);
    }
  }

  private async drop(p: number, lost: boolean): Promise<void> {
    this.owned.delete(p);
    this.renewedAt.delete(p);
    await this.cb
      .released(p, lost)
      .catch((e: Error) => this.log.error(`partition ${p}: while stopping: ${e.message}`));
  }

  /** Graceful stop: hands every partition over at once and removes the membership. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    // Each partition's lease is deleted as soon as its state is flushed.
    await Promise.all(this.ownedPartitions().map((p) => this.release(p)));
    await this.kv.delete(memberKey(this.opts.memberId)).catch(() => undefined);
  }
}
