import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { encodeChunk } from '@ztsdb/chunkenc';
import { crc32c } from '@ztsdb/checksum';
import { ensureTopology, manifestSubject, resolvePartitions } from '@ztsdb/bus';
import type { ZtsdbError } from '@ztsdb/errors';
import { writeFileAtomic } from '@ztsdb/fileutil';
import { addedEvent } from '@ztsdb/manifest';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { objectNameOf, TierStore, TIERSTORE_ERROR_CODES } from '@ztsdb/tierstore';
import {
  coldFileName,
  encodeColdFile,
  encodeWarmSegment,
  warmFileName,
  type VersionedPoints,
} from '@ztsdb/tsdb';
import { encodeManifestEvent, manifestEventId } from '@ztsdb/wire';
import { TieredStore } from './tiered-store';

describe('TieredStore over the object store (real nats-server)', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const writer = tempDir('ztsdb-ts-writer-');
  const reader = tempDir('ztsdb-ts-reader-');

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    await resolvePartitions((await ensureTopology(nc)).config, 4);
  });
  /** The compactor's side: uploads from the writer's data dir. */
  const writerTiers = () =>
    TierStore.open(nc, {
      dataDir: writer.path,
      cacheBytes: 1 << 20,
      replicas: 1,
      warn: () => undefined,
    });
  /** The query service's side, on a data dir of its own. */
  const readerStore = () =>
    new TieredStore(nc, reader.path, () => undefined, 1 << 20, 4, {
      cacheBytes: 1 << 20,
      replicas: 1,
    });

  afterAll(async () => {
    await nc?.close();
    await server?.stop();
    writer.remove();
    reader.remove();
  });

  it('fetches files into its own cache, and skips a missing or damaged object naming it', async () => {
    const id = 7n;
    const p = 0;
    const ts = Float64Array.from({ length: 300 }, (_, i) => 1_760_000_000_000 + i * 1000);
    const vs = Float64Array.from({ length: 300 }, (_, i) => i / 8);
    const seg = (seq: number, a: number, b: number) => ({
      rel: `warm/p${p}/${warmFileName(seq)}`,
      pieces: encodeWarmSegment(p, [
        {
          seriesId: id,
          minT: ts[a]!,
          maxT: ts[b - 1]!,
          count: b - a,
          version: seq,
          bytes: encodeChunk(ts, vs, a, b),
        },
      ]),
      a,
      b,
    });
    const good = seg(1, 0, 100);
    const missing = seg(2, 100, 200);
    const damaged = seg(3, 200, 300);
    const tiers = await writerTiers();
    fs.mkdirSync(path.join(writer.path, `warm/p${p}`), { recursive: true });
    const crcOf = (pieces: Uint8Array[]): number => crc32c(Buffer.concat(pieces));
    const objects = new Map<string, string>();
    await writeFileAtomic(path.join(writer.path, good.rel), good.pieces);
    objects.set(good.rel, await tiers.upload(good.rel, crcOf(good.pieces)));
    objects.set(missing.rel, objectNameOf(missing.rel, crcOf(missing.pieces))); // never put
    // The event of `damaged` names an object that holds other bytes than it records.
    const other = seg(3, 0, 50);
    await writeFileAtomic(path.join(writer.path, other.rel), other.pieces);
    objects.set(damaged.rel, await tiers.upload(other.rel, crcOf(other.pieces)));
    for (const f of [good, missing, damaged]) {
      const e = addedEvent(
        'warm-added',
        p,
        f.rel,
        f.pieces,
        { minT: ts[f.a]!, maxT: ts[f.b - 1]!, seriesCount: 1, points: f.b - f.a },
        { object: objects.get(f.rel)! },
      );
      await jetstream(nc).publish(manifestSubject(p), encodeManifestEvent(e), {
        msgID: manifestEventId(e),
      });
    }

    const store = readerStore();
    await store.start();
    try {
      await waitFor(() => store.catalog.live().length === 3, 'the catalog');
      const out: VersionedPoints[] = [];
      const skipped: ZtsdbError[] = [];
      await store.read(p, id, ts[0]!, ts[299]!, out, (e) => skipped.push(e));
      expect(out.flatMap((u) => [...u.timestamps])).toEqual([...ts.slice(0, 100)]);
      expect(
        skipped
          .map((e) => ({ code: e.code, file: store.relative(e.context.file as string) }))
          .sort((x, y) => x.file.localeCompare(y.file)),
      ).toEqual([
        { code: TIERSTORE_ERROR_CODES.objectMissing, file: missing.rel },
        { code: TIERSTORE_ERROR_CODES.objectMismatch, file: damaged.rel },
      ]);
      expect(skipped.every((e) => typeof e.context.object === 'string')).toBe(true);
      expect(fs.existsSync(path.join(reader.path, 'cache', good.rel))).toBe(true);
      expect(fs.existsSync(path.join(reader.path, good.rel))).toBe(false);
    } finally {
      await store.stop();
    }
  });

  it('opens and checks a cold file announced while running once its prefetch is done, before any query', async () => {
    const p = 1;
    const ts = Float64Array.from({ length: 500 }, (_, i) => 1_760_000_000_000 + i * 1000);
    const vs = Float64Array.from({ length: 500 }, (_, i) => Math.round(i * 7.25) / 100);
    const rel = `cold/p${p}/${coldFileName(1_760_000_000_000, 1)}`;
    const pieces = encodeColdFile(
      { partition: p, windowStart: 1_760_000_000_000, windowEnd: 1_760_086_400_000 },
      [{ seriesId: 11n, version: 1, timestamps: ts, values: vs }],
    );
    const tiers = await writerTiers();
    fs.mkdirSync(path.join(writer.path, `cold/p${p}`), { recursive: true });
    await writeFileAtomic(path.join(writer.path, rel), pieces);
    const object = await tiers.upload(rel, crc32c(Buffer.concat(pieces)));

    const store = readerStore();
    await store.start();
    try {
      const before = store.catalog.live().length;
      // Counted before the event: under load the prefetch and the open can both be done by the
      // time the catalog is seen to hold the file.
      const opened = store.openFiles;
      const e = addedEvent(
        'cold-added',
        p,
        rel,
        pieces,
        { minT: ts[0]!, maxT: ts[499]!, seriesCount: 1, points: 500 },
        { object },
      );
      await jetstream(nc).publish(manifestSubject(p), encodeManifestEvent(e), {
        msgID: manifestEventId(e),
      });
      await waitFor(
        () => store.catalog.live().length === before + 1,
        'the cold file in the catalog',
      );
      await waitFor(() => store.openFiles === opened + 1, 'the cold file opened without a query');
      expect(fs.existsSync(path.join(reader.path, 'cache', rel))).toBe(true);
    } finally {
      await store.stop();
    }
  });
});
