import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { encodeChunk } from '@ztsdb/chunkenc';
import { chunksSubject, ensureTopology, resolvePartitions } from '@ztsdb/bus';
import { partitionOf } from '@ztsdb/model';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { FileCatalog, ManifestFollower } from '@ztsdb/manifest';
import {
  chunkMessageId,
  decodeManifestEvent,
  encodeChunkMessage,
  type ManifestEvent,
} from '@ztsdb/wire';
import { stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

/** Every file under warm/ and cold/ of the data dir, as `warm/p0/…` paths. */
function filesOnDisk(dataDir: string): string[] {
  const out: string[] = [];
  for (const tier of ['warm', 'cold']) {
    const dir = path.join(dataDir, tier);
    if (!fs.existsSync(dir)) continue;
    for (const p of fs.readdirSync(dir))
      for (const f of fs.readdirSync(path.join(dir, p))) out.push(`${tier}/${p}/${f}`);
  }
  return out.sort();
}

describe('compactor retention and removal', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const data = tempDir('ztsdb-retention-');

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    await resolvePartitions((await ensureTopology(nc)).config, 2);
  });

  afterAll(async () => {
    await stopAllZtsdb();
    await nc?.close();
    await server?.stop();
    data.remove();
  });

  it('expires cold data past ZTSDB_RETENTION, deletes retired files after the grace period, keeps the rest', async () => {
    const js = jetstream(nc);
    const hour = 3_600_000;
    const now = Date.now();
    // One series with data three days old (past a one-day retention), one with data from the last hour.
    const oldId = 0x1111111111111111n;
    const newId = 0x2222222222222222n; // partition 0; the old series is in partition 1
    const chunkOf = (id: bigint, t0: number) => {
      const ts = Float64Array.from({ length: 60 }, (_, i) => t0 + i * 1000);
      const vs = Float64Array.from({ length: 60 }, (_, i) => i);
      return {
        partition: partitionOf(id, 2),
        seriesId: id,
        minT: t0,
        maxT: t0 + 59_000,
        count: 60,
        chunk: encodeChunk(ts, vs),
      };
    };
    // The old chunk sits inside one cold window (an hour), so exactly one cold file expires.
    const oldStart = Math.floor((now - 72 * hour) / hour) * hour + 60_000;
    const newStart = Math.floor(now / hour) * hour - hour + 60_000;
    for (const m of [chunkOf(oldId, oldStart), chunkOf(newId, newStart)]) {
      await js.publish(chunksSubject(m.partition), encodeChunkMessage(m), {
        msgID: chunkMessageId(m),
      });
    }

    const events: ManifestEvent[] = [];
    const sub = nc.subscribe('ztsdb.manifest.p.*', {
      callback: (_e, m) => {
        events.push(decodeManifestEvent(m.data));
      },
    });
    ZtsdbProcess.start(['compactor'], {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_WARM_FLUSH: '50ms',
      ZTSDB_COLD_AFTER: '500ms',
      ZTSDB_COLD_WINDOW: '1h',
      ZTSDB_RETENTION: '1d',
      ZTSDB_WARM_GRACE: '1s',
      ZTSDB_COMPACT_INTERVAL: '200ms',
    });

    const kinds = (k: ManifestEvent['kind']) => events.filter((e) => e.kind === k);
    // warm → cold for both; the old cold file expires; every retired file is removed after the grace period.
    await waitFor(
      () =>
        kinds('warm-added').length === 2 &&
        kinds('cold-added').length >= 2 &&
        kinds('expired').length === 1 &&
        kinds('warm-removed').length >= 3,
      'warm, cold, expiry and removal events',
      30_000,
    ).catch((e: Error) => {
      throw new Error(
        `${e.message}; events: ${events.map((x) => `${x.kind} ${x.file}`).join(', ')}`,
      );
    });
    const expired = kinds('expired')[0]!;
    expect(expired.file).toMatch(/^cold\//);
    expect(expired.maxT).toBeLessThan(now - 24 * hour);
    // Nothing is removed before its grace period has passed.
    const removedExpired = events.find(
      (e) => e.kind === 'warm-removed' && e.file === expired.file,
    )!;
    expect(removedExpired).toBeDefined();
    expect(removedExpired.atMs - expired.atMs).toBeGreaterThanOrEqual(1000);
    sub.unsubscribe();

    // The catalog rebuilt from the manifest matches the disk: one live cold file, the recent one.
    const catalog = new FileCatalog();
    await new ManifestFollower(jetstream(nc), { follow: false, catalog }).start();
    const live = catalog.live();
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ tier: 'cold', partition: partitionOf(newId, 2) });
    expect(live[0]!.minT).toBe(newStart);
    await waitFor(
      () =>
        filesOnDisk(data.path).join() ===
        catalog
          .all()
          .map((f) => f.file)
          .sort()
          .join(),
      'the disk to match the catalog',
      10_000,
    );
    expect(filesOnDisk(data.path)).toEqual([live[0]!.file]);
  });
});
