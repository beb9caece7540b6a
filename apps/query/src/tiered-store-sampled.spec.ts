import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ensureTopology, resolvePartitions } from '@ztsdb/bus';
import { encodeChunk } from '@ztsdb/chunkenc';
import { addedEvent } from '@ztsdb/manifest';
import { mulberry32 } from '@ztsdb/synthetic';
import { NatsServer, tempDir } from '@ztsdb/testing';
import {
  coldFileName,
  encodeColdFile,
  encodeWarmSegment,
  warmFileName,
  type VersionedPoints,
} from '@ztsdb/tsdb';
import { TieredStore } from './tiered-store';

const BASE = 1_700_000_000_000;
const N = 600;
const ts = Float64Array.from({ length: N }, (_, i) => BASE + i * 1000);
const vs = Float64Array.from(ts, (_, i) => Math.round(i * 1.5 * 100) / 100);
const inst = { first: BASE + 59_500, step: 60_000, count: 10 };
const start = inst.first - 300_000 + 1;
const end = inst.first + 9 * 60_000;

let server: NatsServer;
let nc: NatsConnection;
const opened: TieredStore[] = [];

/** A store over a real nats-server whose file is in its own data dir (an event without `object`). */
async function store(
  dir: string,
  cacheBytes: number,
  tier: 'warm' | 'cold',
  values = vs,
): Promise<TieredStore> {
  const s = new TieredStore(nc, dir, () => undefined, cacheBytes, 1);
  await s.start();
  opened.push(s);
  const file = tier === 'warm' ? `warm/p0/${warmFileName(1)}` : `cold/p0/${coldFileName(BASE, 1)}`;
  const pieces =
    tier === 'warm'
      ? encodeWarmSegment(0, [
          {
            seriesId: 7n,
            minT: ts[0]!,
            maxT: ts[N - 1]!,
            count: N,
            version: 1,
            bytes: encodeChunk(ts, values),
          },
        ])
      : encodeColdFile({ partition: 0, windowStart: BASE, windowEnd: BASE + 3_600_000 }, [
          { seriesId: 7n, version: 1, timestamps: ts, values },
        ]);
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), Buffer.concat(pieces));
  s.catalog.apply(
    addedEvent(`${tier}-added`, 0, file, pieces, {
      minT: ts[0]!,
      maxT: ts[N - 1]!,
      seriesCount: 1,
      points: N,
    }),
  );
  return s;
}

const read = async (s: TieredStore): Promise<number[]> => {
  const out: VersionedPoints[] = [];
  await s.readAtInstants(0, 7n, start, end, inst, out, (e) => {
    throw e;
  });
  return out.flatMap((u) => Array.from(u.timestamps));
};

describe('TieredStore step-sampled reads', () => {
  const dir = tempDir('ztsdb-tiered-store-');
  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    await resolvePartitions((await ensureTopology(nc)).config, 1);
  });
  afterAll(async () => {
    for (const s of opened) await s.stop();
    await nc?.close();
    await server?.stop();
    dir.remove();
  });
  // The last point at or before each instant: 59 s, 119 s, … 539 s after BASE.
  const want = Array.from({ length: 9 }, (_, k) => BASE + 59_000 + k * 60_000);
  want.push(BASE + 599_000);

  it('thins warm chunks as decoded, leaving the decoded cache empty', async () => {
    const s = await store(path.join(dir.path, 'w'), 1 << 20, 'warm');
    expect(await read(s)).toEqual(want);
    expect(s.cache.size).toBe(0);
  });

  it('reads a warm file through the cache when the instants are as dense as its points', async () => {
    const s = await store(path.join(dir.path, 'w-dense'), 1 << 20, 'warm');
    // An instant every second over the samples a second apart: every point in the range.
    const dense = { first: BASE + 100_500, step: 1000, count: 300 };
    const [from, to] = [BASE + 100_000, BASE + 399_999];
    const readDense = async (): Promise<VersionedPoints[]> => {
      const out: VersionedPoints[] = [];
      await s.readAtInstants(0, 7n, from, to, dense, out, (e) => {
        throw e;
      });
      return out;
    };
    const first = await readDense();
    expect(first.flatMap((u) => Array.from(u.timestamps))).toEqual(
      Array.from(ts.subarray(100, 400)),
    );
    expect(first.flatMap((u) => Array.from(u.values))).toEqual(Array.from(vs.subarray(100, 400)));
    expect(s.cache.size).toBe(1);
    const again = await readDense();
    expect(s.cache.hits).toBe(1);
    expect(again.flatMap((u) => Array.from(u.values))).toEqual(Array.from(vs.subarray(100, 400)));
    // Sparse instants over the same file are thinned from the cached points now.
    expect(await read(s)).toEqual(want);
    expect(s.cache.hits).toBe(2);
  });

  it('reads cold files through the cache (decoded once), then thins', async () => {
    const s = await store(path.join(dir.path, 'c'), 1 << 20, 'cold');
    expect(await read(s)).toEqual(want);
    expect(s.cache.size).toBe(1);
    expect(await read(s)).toEqual(want);
    expect(s.cache.hits).toBe(1);
  });

  it('reads packed cold columns at once (readAtInstantsNow), anything else not at all', async () => {
    const r = mulberry32(5);
    const gauge = Float64Array.from(ts, () => Math.round((10 + r() * 4) * 100) / 100);
    const fail = (e: Error): never => {
      throw e;
    };
    // A warm file, and a cold column that is not readable by index (compressed): false, nothing read.
    for (const tier of ['warm', 'cold'] as const) {
      const s = await store(path.join(dir.path, `later-${tier}`), 1 << 20, tier);
      const out: VersionedPoints[] = [];
      expect(s.readAtInstantsNow(0, 7n, start, end, inst, out, fail)).toBe(false);
      expect(out).toEqual([]);
      expect(s.cache.size).toBe(0);
    }
    const s = await store(path.join(dir.path, 'now'), 1 << 20, 'cold', gauge);
    const out: VersionedPoints[] = [];
    expect(s.readAtInstantsNow(0, 7n, start, end, inst, out, fail)).toBe(true);
    expect(out.flatMap((u) => Array.from(u.timestamps))).toEqual(want);
    expect(out.flatMap((u) => Array.from(u.values))).toEqual(
      want.map((t) => gauge[(t - BASE) / 1000]),
    );
    expect(s.cache.size).toBe(0);
    const viaPromise: VersionedPoints[] = [];
    await s.readAtInstants(0, 7n, start, end, inst, viaPromise, fail);
    expect(viaPromise).toEqual(out);
    // A series the file does not hold, or a range it does not reach: read, nothing there.
    const none: VersionedPoints[] = [];
    expect(s.readAtInstantsNow(0, 8n, start, end, inst, none, fail)).toBe(true);
    expect(s.readAtInstantsNow(0, 7n, BASE - 9e6, BASE - 8e6, inst, none, fail)).toBe(true);
    expect(none).toEqual([]);
    const two = await store(path.join(dir.path, 'both'), 1 << 20, 'cold', gauge);
    // A second cold file over a later hour whose column is compressed: a read of both is left
    // whole to readAtInstants, the packed file's units taken back.
    const later = Float64Array.from(ts, (t) => t + 3_600_000);
    const pieces = encodeColdFile(
      { partition: 0, windowStart: BASE + 3_600_000, windowEnd: BASE + 7_200_000 },
      [{ seriesId: 7n, version: 1, timestamps: later, values: vs }],
    );
    const file = `cold/p0/${coldFileName(BASE + 3_600_000, 2)}`;
    fs.writeFileSync(path.join(dir.path, 'both', file), Buffer.concat(pieces));
    two.catalog.apply(
      addedEvent('cold-added', 0, file, pieces, {
        minT: later[0]!,
        maxT: later[N - 1]!,
        seriesCount: 1,
        points: N,
      }),
    );
    const both = { first: BASE + 59_500, step: 60_000, count: 70 };
    const kept: VersionedPoints[] = [];
    expect(two.readAtInstantsNow(0, 7n, BASE, BASE + 4_300_000, both, kept, fail)).toBe(false);
    expect(kept).toEqual([]);
    await two.readAtInstants(0, 7n, BASE, BASE + 4_300_000, both, kept, fail);
    expect(kept.reduce((a, u) => a + u.timestamps.length, 0)).toBe(10 + 10);
  });

  it('with the cache off (0 bytes) keeps nothing and gives the same points', async () => {
    for (const tier of ['warm', 'cold'] as const) {
      const s = await store(path.join(dir.path, `off-${tier}`), 0, tier);
      expect(await read(s)).toEqual(want);
      expect(s.cache.size).toBe(0);
      const out: VersionedPoints[] = [];
      await s.read(0, 7n, start, end, out, () => undefined);
      expect(out.reduce((a, u) => a + u.timestamps.length, 0)).toBe(N);
      expect(s.cache.size).toBe(0);
    }
  });
});
