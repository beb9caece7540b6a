import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsServer, waitFor } from '@ztsdb/testing';
import { LeaseManager, type LeaseLog } from './lease-manager';

const TTL = 1200;

/** Which replica serves each partition, across replicas, and any second server seen. */
const servers = new Map<number, string>();
const overlaps: string[] = [];

/** A replica: its lease manager and the partitions its callbacks say it serves. */
class Replica {
  readonly serving = new Set<number>();
  readonly lines: string[] = [];
  readonly leases: LeaseManager;
  /** How long taking a partition over and flushing one take (a snapshot, a merge to finish). */
  acquireMs = 0;
  releaseMs = 0;
  /** `released` callbacks running now, and the most that ran at once. */
  releasing = 0;
  peakReleasing = 0;

  constructor(
    readonly nc: NatsConnection,
    kv: KV,
    readonly id: string,
    partitions: number,
    prefix = '',
  ) {
    const log: LeaseLog = {
      log: (l) => this.lines.push(l),
      warn: (l) => this.lines.push(l),
      error: (l) => this.lines.push(l),
    };
    this.leases = new LeaseManager(
      kv,
      { memberId: id, host: 'test', partitions, ttlMs: TTL, keyPrefix: prefix, log },
      {
        acquired: async (p) => {
          // Two servers of one partition at once would be a broken lease.
          if (this.serving.has(p)) throw new Error(`partition ${p} acquired twice`);
          const other = servers.get(p);
          if (other !== undefined) overlaps.push(`partition ${p}: ${id} while ${other} serves it`);
          servers.set(p, id);
          this.serving.add(p);
          await new Promise((r) => setTimeout(r, this.acquireMs));
        },
        released: async (p) => {
          this.peakReleasing = Math.max(this.peakReleasing, ++this.releasing);
          await new Promise((r) => setTimeout(r, this.releaseMs));
          this.releasing--;
          this.serving.delete(p);
          if (servers.get(p) === id) servers.delete(p);
        },
      },
    );
    this.leases.start();
  }
}

describe('LeaseManager', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let kv: KV;
  const running: Replica[] = [];

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    kv = await new Kvm(nc).create('ztsdb_leases', { history: 1, ttl: TTL });
  });
  afterEach(async () => {
    for (const r of running.splice(0)) {
      await r.leases.stop();
      await r.nc.close();
    }
    for await (const k of await kv.keys()) await kv.purge(k);
    servers.clear();
    overlaps.length = 0;
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  /** Replicas, each on its own connection (closing it is a crash). */
  const start = async (ids: string[], partitions: number, prefix = ''): Promise<Replica[]> => {
    const rs: Replica[] = [];
    for (const id of ids) {
      const own = await connect({ servers: server.url });
      rs.push(new Replica(own, await new Kvm(own).open('ztsdb_leases'), id, partitions, prefix));
    }
    running.push(...rs);
    return rs;
  };

  /** Waits until the replicas serve disjoint sets covering every partition with the given counts. */
  const settled = (rs: Replica[], partitions: number, counts: number[]) =>
    waitFor(
      () => {
        const all = rs.flatMap((r) => [...r.serving]);
        const sizes = rs.map((r) => r.serving.size).sort((a, b) => a - b);
        return (
          all.length === partitions &&
          new Set(all).size === partitions &&
          sizes.join() === [...counts].sort((a, b) => a - b).join()
        );
      },
      `partitions spread ${counts.join('/')} over ${rs.length} replicas`,
      15_000,
      50,
    ).catch((e: Error) => {
      // What each replica served and said when it did not settle.
      for (const r of rs)
        e.message += `\n${r.id}: serving ${[...r.serving].join(',')}; ${r.lines.join(' | ')}`;
      throw e;
    });

  it('spreads 4 partitions over 3 replicas 2/1/1, also when the third joins late', async () => {
    const [a, b] = await start(['a', 'b'], 4);
    await settled([a!, b!], 4, [2, 2]);
    const [c] = await start(['c'], 4);
    await settled([a!, b!, c!], 4, [1, 1, 2]);
  });

  it('makes replicas beyond the partition count hot standbys that say so, and one takes over when an owner leaves', async () => {
    const rs = await start(['a', 'b', 'c'], 2);
    await settled(rs, 2, [0, 1, 1]);
    const standby = rs.find((r) => r.serving.size === 0)!;
    await waitFor(() => standby.leases.standby, 'the standby to know it is one');
    expect(standby.lines.join('\n')).toMatch(/hot standby: 3 replicas share 2 partitions/);
    expect(rs.filter((r) => r.leases.standby)).toHaveLength(1);
    const owner = rs.find((r) => r.serving.size === 1)!;
    await owner.leases.stop();
    const rest = rs.filter((r) => r !== owner);
    await settled(rest, 2, [1, 1]);
    expect(standby.leases.standby).toBe(false);
  });

  it('rebalances when a replica dies without a word (its leases lapse)', async () => {
    const rs = await start(['a', 'b', 'c'], 6, 'compactor.');
    await settled(rs, 6, [2, 2, 2]);
    // A crash: the replica's connection is gone, nothing is released.
    const dead = rs[1]!;
    await dead.nc.close();
    const rest = [rs[0]!, rs[2]!];
    await settled(rest, 6, [3, 3]);
    // The compactors' keys live beside the ingestors' without touching them.
    for await (const k of await kv.keys()) expect(k).toMatch(/^compactor\.(p|member)\./);
  });

  it('keeps its other leases, and the one it hands over, while a handover flushes for longer than the TTL', async () => {
    const [a] = await start(['a'], 4);
    await settled([a!], 4, [4]);
    a!.releaseMs = 3 * TTL;
    const [b] = await start(['b'], 4);
    await settled([a!, b!], 4, [2, 2]);
    // Both extras were handed over together, so b waited for one flush, not two.
    expect(a!.peakReleasing).toBe(2);
    expect(a!.lines.filter((l) => /lease lost/.test(l))).toEqual([]);
    // Nobody took a partition over before its old owner had flushed it.
    expect(overlaps).toEqual([]);
  });

  it('keeps its leases while takeovers take longer than the TTL', async () => {
    const [a, b] = await start(['a', 'b'], 4);
    a!.acquireMs = 2 * TTL;
    b!.acquireMs = 2 * TTL;
    await settled([a!, b!], 4, [2, 2]);
    for (const r of [a!, b!]) expect(r.lines.filter((l) => /lease lost/.test(l))).toEqual([]);
    expect(overlaps).toEqual([]);
  });
});
