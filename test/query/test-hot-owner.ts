import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { seriesKey } from '@ztsdb/model';
import { decodeManifestEvent, encodeHotReplyParts, type SeriesPoints } from '@ztsdb/wire';

/**
 * Plays the ingestor's part of the contract for tests of the compactor and
 * the query service: answers `ztsdb.hot.p.<n>` ({ids, start, end} → binary
 * hot reply, in parts when large; it ignores `step`, which the contract
 * allows) from points it holds, and drops a sealed chunk's points once a
 * `warm-added` manifest event lists the chunk, as the ingestor does.
 */
export class TestHotOwner {
  private readonly points = new Map<string, Map<number, number>>();
  private readonly subs: Subscription[] = [];
  dropped = 0;
  silent = false;

  constructor(private readonly nc: NatsConnection) {
    this.subs.push(
      nc.subscribe('ztsdb.hot.p.*', {
        callback: (_err, msg) => {
          if (this.silent) return;
          const req = JSON.parse(msg.string()) as { ids: string[]; start: number; end: number };
          const series: SeriesPoints[] = [];
          for (const id of req.ids) {
            const m = this.points.get(id);
            if (!m) continue;
            const ts = [...m.keys()]
              .filter((t) => t >= req.start && t <= req.end)
              .sort((a, b) => a - b);
            series.push({
              id: BigInt('0x' + id),
              timestamps: Float64Array.from(ts),
              values: Float64Array.from(ts, (t) => m.get(t)!),
            });
          }
          const reply = { partition: Number(msg.subject.split('.').pop()), series };
          for (const part of encodeHotReplyParts(reply, this.nc.info?.max_payload ?? 1 << 20))
            msg.respond(part);
        },
      }),
    );
    this.subs.push(
      nc.subscribe('ztsdb.manifest.p.*', {
        callback: (_err, msg) => {
          const e = decodeManifestEvent(msg.data);
          if (e.kind !== 'warm-added') return;
          for (const c of e.chunks ?? []) {
            const m = this.points.get(c.id);
            if (!m) continue;
            for (const t of [...m.keys()]) {
              if (t >= c.minT && t <= c.maxT && m.delete(t)) this.dropped++;
            }
          }
        },
      }),
    );
  }

  add(id: bigint, timestamps: ArrayLike<number>, values: ArrayLike<number>): void {
    const key = seriesKey(id);
    let m = this.points.get(key);
    if (!m) this.points.set(key, (m = new Map()));
    for (let i = 0; i < timestamps.length; i++) m.set(timestamps[i]!, values[i]!);
  }

  held(id: bigint): number {
    return this.points.get(seriesKey(id))?.size ?? 0;
  }

  async flushed(): Promise<void> {
    await this.nc.flush();
  }

  stop(): void {
    for (const s of this.subs) s.unsubscribe();
  }
}
