import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ensureTopology, manifestSubject, STREAM_MANIFEST } from '@ztsdb/bus';
import { NatsServer } from '@ztsdb/testing';
import { coldFileName, warmFileName } from '@ztsdb/tsdb';
import { encodeManifestSnapshot, type ManifestEvent } from '@ztsdb/wire';
import { addedEvent, removalEvent } from './file-events';
import { FileCatalog } from './file-catalog';
import { ManifestFollower } from './manifest-follower';
import { ManifestPublisher } from './manifest-publisher';

const STATS = { minT: 0, maxT: 10, seriesCount: 1, points: 1 };
const warmName = (p: number, seq: number) => `warm/p${p}/${warmFileName(seq)}`;
const warm = (p: number, seq: number): ManifestEvent =>
  addedEvent('warm-added', p, warmName(p, seq), [new Uint8Array([seq])], STATS, {
    chunks: [{ id: '00000000000000aa', minT: seq, maxT: seq + 1, count: 2 }],
    chunkSeqs: { min: seq * 10, max: seq * 10 + 5, batchMin: seq * 10 },
  });

describe('manifest catalog snapshots (real nats-server)', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    await ensureTopology(nc);
    js = jetstream(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  const replayed = async (): Promise<{ catalog: FileCatalog; bad: number[] }> => {
    const catalog = new FileCatalog({ partitions: 2 });
    const bad: number[] = [];
    await new ManifestFollower(js, {
      follow: false,
      catalog,
      onBadEvent: (seq) => bad.push(seq),
    }).start();
    return { catalog, bad };
  };
  const byName = (c: FileCatalog) => c.all().sort((a, b) => a.file.localeCompare(b.file));
  const subjectCount = async (p: number): Promise<number> => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(STREAM_MANIFEST, { subjects_filter: manifestSubject(p) });
    return info.state.subjects?.[manifestSubject(p)] ?? 0;
  };

  it('replays to the same catalog from snapshot + tail after older events are purged', async () => {
    const catalog = new FileCatalog({ partitions: 2 });
    const pub = new ManifestPublisher(
      js,
      catalog,
      () => undefined,
      () => false,
    );
    for (let i = 1; i <= 3; i++) await pub.record(warm(0, i));
    await pub.record(warm(1, 1));
    const cold = `cold/p0/${coldFileName(0, 1)}`;
    // A field this version does not know (another writer's) must ride along in the snapshot.
    await pub.record({
      ...addedEvent('cold-added', 0, cold, [new Uint8Array([9])], STATS, {
        replaces: [warmName(0, 1), warmName(0, 2)],
      }),
      objectName: 'tiers/p0/cold-1',
    } as ManifestEvent);
    await pub.record(removalEvent('warm-removed', 0, warmName(0, 1)));
    await pub.record(removalEvent('warm-removed', 0, warmName(0, 2)));
    expect(await subjectCount(0)).toBe(6);

    const s1 = await pub.snapshot(0);
    expect(s1).toBeGreaterThan(0);
    expect(await pub.snapshot(0)).toBe(0); // nothing changed since
    await pub.record(warm(0, 4));
    const s2 = await pub.snapshot(0);
    expect(s2).toBeGreaterThan(s1);
    // Purged below the previous snapshot: snapshot 1, warm 4, snapshot 2.
    expect(await subjectCount(0)).toBe(3);
    expect(await subjectCount(1)).toBe(1);

    const { catalog: again, bad } = await replayed();
    expect(bad).toEqual([]);
    expect(byName(again)).toEqual(byName(catalog));
    expect(again.get(cold)!.objectName).toBe('tiers/p0/cold-1');
    expect(again.chunksCoveredThrough(0)).toBe(45);
    expect(again.chunksCoveredThrough(1)).toBe(15);
    expect(again.chunkResumeSeq()).toBe(40);
    expect(again.nextWarmSeq(0)).toBe(5);
    expect(again.nextColdGen()).toBe(2);
    expect(again.isLeftover(warmName(0, 2))).toBe(true); // recorded as removed
    expect(again.isLeftover(warmName(0, 3))).toBe(false); // live
    expect(again.isLeftover(warmName(0, 7))).toBe(true); // above every name
  });

  it('refuses and reports a forged snapshot, keeping the catalog', async () => {
    const before = byName((await replayed()).catalog);
    const forged = encodeManifestSnapshot({
      partition: 0,
      atMs: 0,
      throughSeq: 0,
      files: [{ ...before[0]!, file: '../../etc/passwd' }] as never,
      removed: [],
      warmSeq: 0,
      coldGen: 0,
      chunksThrough: 0,
    });
    const seq = (await js.publish(manifestSubject(0), forged)).seq;
    const { catalog, bad } = await replayed();
    expect(bad).toEqual([seq]);
    expect(byName(catalog)).toEqual(before);
  });
});
