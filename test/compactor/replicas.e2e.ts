import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ensureTopology, STREAM_CHUNKS } from '@ztsdb/bus';
import { tempDir, waitFor } from '@ztsdb/testing';
import { Compactor } from '../../apps/compactor/src/compactor';
import { compactorConsumer } from '../../apps/compactor/src/warm-sink';
import { CompactorTestBed, PARTITIONS } from './compactor-test-bed';

/** A compactor replica on its own connection and data dir, as on its own host. */
interface Replica {
  id: string;
  nc: NatsConnection;
  compactor: Compactor;
  dir: { path: string; remove: () => void };
}

describe('compactor replicas', () => {
  let bed: CompactorTestBed;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    bed = await CompactorTestBed.start();
  });
  afterAll(async () => {
    for (const r of replicas) {
      await r.compactor.stop().catch(() => undefined);
      await r.nc.close().catch(() => undefined);
      r.dir.remove();
    }
    await bed?.close();
  });

  const startReplica = async (id: string): Promise<Replica> => {
    const nc = await connect({ servers: bed.server.url });
    const dir = tempDir(`ztsdb-compactor-${id}-`);
    const leases = (await ensureTopology(nc)).leases;
    const compactor = new Compactor(nc, jetstream(nc), bed.options({ dataDir: dir.path }), {
      kv: leases,
      memberId: id,
      host: 'test',
      ttlMs: 1000,
    });
    await compactor.start();
    const r = { id, nc, compactor, dir };
    replicas.push(r);
    return r;
  };

  /** Warm and cold files in a replica's data dir. */
  const filesOf = (r: Replica): string[] => {
    const out: string[] = [];
    for (const tier of ['warm', 'cold']) {
      const t = path.join(r.dir.path, tier);
      if (!fs.existsSync(t)) continue;
      for (const p of fs.readdirSync(t))
        for (const f of fs.readdirSync(path.join(t, p))) out.push(`${tier}/${p}/${f}`);
    }
    return out;
  };

  const spread = (rs: Replica[], counts: number[]) =>
    waitFor(
      () => {
        const owned = rs.map((r) => r.compactor.ownedPartitions());
        const all = owned.flat();
        return (
          new Set(all).size === PARTITIONS &&
          all.length === PARTITIONS &&
          owned.map((o) => o.length).join() === counts.join()
        );
      },
      `partitions compacted ${counts.join('/')}`,
      15_000,
    );

  /** Every partition's consumer has acknowledged everything in the chunks stream. */
  const allAcked = async () => {
    const jsm = await jetstreamManager(bed.nc);
    await waitFor(
      async () => {
        for (let p = 0; p < PARTITIONS; p++) {
          const info = await jsm.consumers.info(STREAM_CHUNKS, compactorConsumer(p));
          if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
        }
        return true;
      },
      'every partition consumer to acknowledge every chunk',
      20_000,
    );
  };

  it('share the partitions, write each chunk once, no file twice, and hand over on stop', async () => {
    const a = await startReplica('a');
    const b = await startReplica('b');
    await spread([a, b], [2, 2]);
    await bed.publishChunks(0, 200);
    await allAcked();

    let catalog = await bed.catalog();
    expect(catalog.all().reduce((n, f) => n + f.points, 0)).toBe(2000);
    // Each replica wrote only files of its own partitions, and no name is in both dirs.
    const ownedBy = new Map([a, b].map((r) => [r.id, r.compactor.ownedPartitions()]));
    for (const r of [a, b])
      for (const f of filesOf(r))
        expect([f, ownedBy.get(r.id)]).toEqual([
          f,
          expect.arrayContaining([Number(/p(\d+)/.exec(f)![1])]),
        ]);
    const before = [...filesOf(a), ...filesOf(b)];
    expect(new Set(before).size).toBe(before.length);
    expect(before.sort()).toEqual(
      catalog
        .live()
        .map((f) => f.file)
        .sort(),
    );

    // A graceful stop hands a's partitions to b, which continues their file numbering.
    await a.compactor.stop();
    await spread([b], [PARTITIONS]);
    await bed.publishChunks(1000, 80);
    await allAcked();
    catalog = await bed.catalog();
    expect(catalog.all().reduce((n, f) => n + f.points, 0)).toBe(2800);
    const after = [...filesOf(a), ...filesOf(b)];
    expect(new Set(after).size).toBe(after.length);
    expect(after.sort()).toEqual(
      catalog
        .live()
        .map((f) => f.file)
        .sort(),
    );
  });

  it('a replica cut off from NATS loses its partitions when their leases lapse; another continues them', async () => {
    const b = replicas.find((r) => r.id === 'b')!;
    const c = await startReplica('c');
    await spread([b, c], [2, 2]);
    await bed.publishChunks(2000, 80);
    await allAcked();
    // c's host is gone: nothing is released, its leases lapse after the TTL and b takes them over.
    await c.nc.close();
    await spread([b], [PARTITIONS]);
    await bed.publishChunks(3000, 80);
    await allAcked();
    const catalog = await bed.catalog();
    expect(catalog.all().reduce((n, f) => n + f.points, 0)).toBe(2800 + 1600);
    const files = replicas.flatMap(filesOf);
    expect(new Set(files).size).toBe(files.length);
    expect(files.sort()).toEqual(
      catalog
        .live()
        .map((f) => f.file)
        .sort(),
    );
  });
});
