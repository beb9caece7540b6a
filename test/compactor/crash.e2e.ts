import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { encodeChunk } from '@ztsdb/chunkenc';
import { chunksSubject, ensureTopology, resolvePartitions, STREAM_CHUNKS } from '@ztsdb/bus';
import { partitionOf, seriesKey } from '@ztsdb/model';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { FileCatalog, ManifestFollower } from '@ztsdb/manifest';
import { WarmReader } from '@ztsdb/tsdb';
import { chunkMessageId, decodeManifestEvent, encodeChunkMessage } from '@ztsdb/wire';
import { compactorConsumer } from '../../apps/compactor/src/warm-sink';
import { stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

describe('compactor killed with SIGKILL while writing', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const data = tempDir('ztsdb-crash-');

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    await resolvePartitions((await ensureTopology(nc)).config, 4);
  });

  afterAll(async () => {
    await stopAllZtsdb();
    await nc?.close();
    await server?.stop();
    data.remove();
  });

  it('shows no partial file, loses nothing and resumes', async () => {
    const js = jetstream(nc);
    const published = new Set<string>();
    const base = 1_760_000_000_000;
    const ts = Float64Array.from({ length: 100 }, (_, i) => i * 1000);
    const vs = Float64Array.from({ length: 100 }, (_, i) => i * 0.5);
    const acks: Array<Promise<unknown>> = [];
    for (let s = 0; s < 200; s++) {
      const id = (BigInt(s + 1) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
      for (let c = 0; c < 30; c++) {
        const t0 = base + c * 100_000;
        const m = {
          partition: partitionOf(id, 4),
          seriesId: id,
          minT: t0,
          maxT: t0 + 99_000,
          count: 100,
          chunk: encodeChunk(
            ts.map((t) => t + t0),
            vs,
          ),
        };
        acks.push(
          js.publish(chunksSubject(m.partition), encodeChunkMessage(m), {
            msgID: chunkMessageId(m),
          }),
        );
        published.add(`${seriesKey(id)}/${m.minT}/${m.maxT}/${m.count}`);
      }
      if (acks.length > 1000) await Promise.all(acks.splice(0));
    }
    await Promise.all(acks);

    const env = {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_WARM_BATCH_CHUNKS: '300',
      ZTSDB_WARM_FLUSH: '50ms',
    };
    let events = 0;
    const sub = nc.subscribe('ztsdb.manifest.p.*', {
      callback: (_e, m) => void (decodeManifestEvent(m.data) && events++),
    });
    const first = ZtsdbProcess.start(['compactor'], env);
    await waitFor(() => events >= 3, 'the compactor to record a few warm files', 20_000, 5);
    await first.stop('SIGKILL');
    const atKill = events;

    // Whatever is visible under its final name is a whole, valid segment.
    const warmDirs = fs.readdirSync(path.join(data.path, 'warm'));
    for (const d of warmDirs) {
      for (const f of fs.readdirSync(path.join(data.path, 'warm', d))) {
        if (f.endsWith('.tmp')) continue;
        const r = WarmReader.open(path.join(data.path, 'warm', d, f));
        expect(r.chunkCount).toBeGreaterThan(0);
        r.close();
      }
    }

    const second = ZtsdbProcess.start(['compactor'], { ...env, ZTSDB_LOG_LEVEL: 'info' });
    const jsm = await jetstreamManager(nc);
    await waitFor(
      async () => {
        // The restarted compactor (same data dir, same replica id) takes its leases back
        // at once and re-creates each partition's consumer.
        for (let p = 0; p < 4; p++) {
          const info = await jsm.consumers.info(STREAM_CHUNKS, compactorConsumer(p));
          if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
        }
        return true;
      },
      'every chunk to be acknowledged after the restart',
      30_000,
    ).catch((e: Error) => {
      e.message += `\n--- restarted compactor ---\n${second.output.slice(-6000)}`;
      throw e;
    });
    expect(events).toBeGreaterThan(atKill);
    sub.unsubscribe();

    // The manifest's live files hold every published chunk; nothing unrecorded or partial is left on disk.
    const catalog = new FileCatalog();
    await new ManifestFollower(jetstream(nc), { follow: false, catalog }).start();
    const found = new Map<string, number>();
    const onDisk: string[] = [];
    for (const d of warmDirs)
      for (const f of fs.readdirSync(path.join(data.path, 'warm', d)))
        onDisk.push(`warm/${d}/${f}`);
    expect(onDisk.sort()).toEqual(
      catalog
        .all()
        .map((f) => f.file)
        .sort(),
    );
    for (const f of catalog.live()) {
      const r = WarmReader.open(path.join(data.path, f.file));
      for (const c of r.chunks((e) => fail(e))) {
        const k = `${seriesKey(c.seriesId)}/${c.minT}/${c.maxT}/${c.count}`;
        found.set(k, (found.get(k) ?? 0) + 1);
      }
      r.close();
    }
    expect([...published].filter((k) => !found.has(k))).toEqual([]);
    expect(found.size).toBe(published.size);
    // Exactly once: a chunk already in a recorded warm file is never written again.
    expect([...found].filter(([, n]) => n > 1)).toEqual([]);

    // Killed again and restarted twice with no new chunk: nothing is written. One compactor at
    // a time: two with the same replica id would both take the leases for theirs.
    await second.stop('SIGKILL');
    const files = onDisk.sort();
    const catalogFiles = catalog.all();
    for (let i = 0; i < 2; i++) {
      const again = ZtsdbProcess.start(['compactor'], { ...env, ZTSDB_LOG_LEVEL: 'info' });
      await waitFor(
        () => /chunk consumer starts at chunk \d+/.test(again.output),
        'the compactor to resume',
        20_000,
      );
      await new Promise((r) => setTimeout(r, 500));
      await again.stop(i === 0 ? 'SIGKILL' : 'SIGTERM');
      const now: string[] = [];
      for (const d of warmDirs)
        for (const f of fs.readdirSync(path.join(data.path, 'warm', d))) now.push(`warm/${d}/${f}`);
      expect(now.sort()).toEqual(files);
      const replayed = new FileCatalog();
      await new ManifestFollower(jetstream(nc), { follow: false, catalog: replayed }).start();
      expect(replayed.all()).toEqual(catalogFiles);
    }
  });
});
