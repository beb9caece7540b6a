import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { HOT_EXTENT_WILDCARD } from '@ztsdb/bus';
import { decodeHotExtent, type HotExtent } from '@ztsdb/wire';

/** One owner instance's last announcement, with when it arrived (this process's monotonic clock). */
interface Heard {
  seq: number;
  minT: number;
  maxT: number;
  at: number;
}

/**
 * The partition owners' announced hot extents (`ztsdb.hot.extent.p.<n>`, docs/format/hot-extent.md),
 * for skipping a hot request that could only come back empty. `holdsNothing` is true only when
 * some owner was heard within `maxAgeMs` and every owner heard within it announced an extent
 * disjoint from the range; anything else (no announcement, a silent owner, a lost connection)
 * means asking, as without extents. A disconnection forgets everything heard: announcements may
 * have been lost meanwhile.
 */
export class HotExtents {
  private sub: Subscription | undefined;
  private readonly byPartition = new Map<number, Map<string, Heard>>();
  private watching = false;
  /** Announcements that could not be read, and the last reason (not trusted, so the query asks). */
  bad = 0;
  lastBad = '';

  constructor(
    private readonly nc: NatsConnection,
    private readonly maxAgeMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.maxAgeMs <= 0 || this.sub) return;
    this.sub = this.nc.subscribe(HOT_EXTENT_WILDCARD, {
      callback: (err, msg) => {
        if (err) return this.forget();
        this.take(msg.data);
      },
    });
    if (!this.watching) {
      this.watching = true;
      void this.watchStatus();
    }
  }

  stop(): void {
    this.watching = false;
    this.sub?.unsubscribe();
    this.sub = undefined;
    this.forget();
  }

  /** Forgets every announcement (they may have been lost while the connection was down). */
  forget(): void {
    this.byPartition.clear();
  }

  /** One announcement as received; a bad one is counted and not trusted. */
  take(data: Uint8Array): void {
    let e: HotExtent;
    try {
      e = decodeHotExtent(data);
    } catch (err) {
      this.bad++;
      this.lastBad = (err as Error).message;
      return;
    }
    let owners = this.byPartition.get(e.partition);
    if (!owners) this.byPartition.set(e.partition, (owners = new Map()));
    const key = `${e.owner}/${e.instance}`;
    if (e.state === 'stopped') {
      owners.delete(key);
      return;
    }
    const had = owners.get(key);
    if (had && had.seq >= e.seq) return; // not newer than what this instance said already
    const now = this.now();
    // Owners of past takeovers that fell silent go (a partition nobody queries keeps no history).
    for (const [k, h] of owners) if (now - h.at > this.maxAgeMs) owners.delete(k);
    owners.set(key, { seq: e.seq, minT: e.minT, maxT: e.maxT, at: now });
  }

  /** True when the partition's owners, heard lately, hold no hot point in [start, end]. */
  holdsNothing(partition: number, start: number, end: number): boolean {
    const owners = this.byPartition.get(partition);
    if (!owners) return false;
    const t = this.now();
    let heard = false;
    for (const [key, h] of owners) {
      if (t - h.at > this.maxAgeMs) {
        owners.delete(key);
        continue;
      }
      heard = true;
      if (h.minT <= h.maxT && h.minT <= end && h.maxT >= start) return false; // minT > maxT: holds nothing
    }
    return heard;
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (!this.watching) break;
      // Anything but news of the cluster or a ping may mean messages were lost.
      if (s.type !== 'update' && s.type !== 'ldm' && s.type !== 'ping') this.forget();
    }
  }
}
