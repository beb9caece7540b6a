import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ensureTopology, manifestSubject, RepeatedWarnings } from '@ztsdb/bus';
import { NatsServer, waitFor } from '@ztsdb/testing';
import { coldFileName, warmFileName } from '@ztsdb/tsdb';
import { encodeManifestEvent, type ManifestEvent } from '@ztsdb/wire';
import { addedEvent } from './file-events';
import { FileCatalog } from './file-catalog';
import { ManifestFollower } from './manifest-follower';

const STATS = { minT: 0, maxT: 10, seriesCount: 1, points: 1 };
const warm = (p: number, seq: number): ManifestEvent =>
  addedEvent('warm-added', p, `warm/p${p}/${warmFileName(seq)}`, [new Uint8Array([seq])], STATS);

describe('ManifestFollower (real nats-server)', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  const publish = async (
    subjectPartition: number,
    e: ManifestEvent | Uint8Array,
  ): Promise<void> => {
    const data = e instanceof Uint8Array ? e : encodeManifestEvent(e);
    await js.publish(manifestSubject(subjectPartition), data);
  };

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

  it('returns at once on an empty stream when it does not follow', async () => {
    const catalog = new FileCatalog();
    await new ManifestFollower(js, { follow: false, catalog }).start();
    expect(catalog.all()).toEqual([]);
  });

  it('replays every partition into a catalog, skipping and reporting refused events', async () => {
    await publish(0, warm(0, 1));
    await publish(1, warm(1, 1));
    // A forged event: a file outside the tier folders.
    await publish(0, { ...warm(0, 2), file: '../victim.txt' });
    await publish(1, new Uint8Array([1, 2, 3]));
    const catalog = new FileCatalog({ partitions: 2 });
    const bad: number[] = [];
    const lines: string[] = [];
    await new ManifestFollower(js, {
      follow: false,
      catalog,
      onBadEvent: (seq) => bad.push(seq),
      warn: (l) => lines.push(l),
    }).start();
    expect(catalog.live().map((f) => f.file)).toEqual([
      `warm/p0/${warmFileName(1)}`,
      `warm/p1/${warmFileName(1)}`,
    ]);
    expect(catalog.lastSeq).toBe(2);
    expect(bad).toEqual([3, 4]);
    // Rate-limited: the first refusal is written, the second held back.
    expect(lines).toEqual([
      expect.stringMatching(/^manifest event 3 on ztsdb\.manifest\.p\.0 skipped, not acted on: /),
    ]);
  });

  it('follows one partition without a catalog, refusing events that name another', async () => {
    const seen: string[] = [];
    const lines: string[] = [];
    const warnings = new RepeatedWarnings((l) => lines.push(l), 0);
    const f = new ManifestFollower(js, {
      follow: true,
      partition: 1,
      partitions: 2,
      warnings,
      logPrefix: 'partition 1: ',
      onEvent: (e, seq) => seen.push(`${seq} ${e.file}`),
    });
    await f.start();
    // Caught up: partition 1's stored event only.
    expect(seen).toEqual([`2 warm/p1/${warmFileName(1)}`]);
    await publish(1, warm(0, 3));
    await publish(1, { ...warm(1, 2), kind: 'cold-added' });
    await publish(0, warm(0, 4));
    await publish(1, warm(1, 5));
    await publish(1, addedEvent('cold-added', 1, `cold/p1/${coldFileName(0, 1)}`, [], STATS));
    await waitFor(() => seen.length === 3, 'new events of partition 1');
    await f.stop();
    await f.finished();
    expect(seen.slice(1)).toEqual([
      `8 warm/p1/${warmFileName(5)}`,
      `9 cold/p1/${coldFileName(0, 1)}`,
    ]);
    expect(lines).toEqual([
      expect.stringMatching(/^partition 1: manifest event 4 .* too short$/),
      expect.stringMatching(/^partition 1: manifest event 5 .* it is for partition 0, not 1$/),
      expect.stringMatching(/^partition 1: manifest event 6 .* cold-added names a warm file$/),
    ]);
    warnings.stop();
  });

  it('stops cleanly when stopped while starting', async () => {
    const f = new ManifestFollower(js, { follow: true });
    const started = f.start();
    await f.stop();
    await started;
    await f.finished();
  });
});
