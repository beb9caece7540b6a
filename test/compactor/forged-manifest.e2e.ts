import * as fs from 'node:fs';
import * as path from 'node:path';
import { manifestSubject } from '@ztsdb/bus';
import { crc32c } from '@ztsdb/checksum';
import { partitionOf } from '@ztsdb/model';
import { waitFor } from '@ztsdb/testing';
import { coldFileName, warmFileName, type VersionedPoints } from '@ztsdb/tsdb';
import { encodeManifestEvent, type ManifestEvent } from '@ztsdb/wire';
import { TieredStore } from '../../apps/query/src/tiered-store';
import { CompactorTestBed, PARTITIONS } from './compactor-test-bed';

const forged = (kind: ManifestEvent['kind'], partition: number, file: string): ManifestEvent => ({
  kind,
  partition,
  file,
  bytes: 10,
  crc32c: 1,
  minT: 0,
  maxT: 1,
  seriesCount: 1,
  points: 1,
  atMs: 0,
});

/** A manifest frame with a valid checksum around a body that is not JSON. */
function badJsonFrame(): Uint8Array {
  const body = new TextEncoder().encode('{"kind":"expired",');
  const bytes = new Uint8Array(12 + body.length + 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x454d545a, true);
  view.setUint8(4, 1);
  view.setUint32(8, body.length, true);
  bytes.set(body, 12);
  view.setUint32(bytes.length - 4, crc32c(bytes, 0, bytes.length - 4), true);
  return bytes;
}

describe('forged manifest events', () => {
  let bed: CompactorTestBed;
  let store: TieredStore | undefined;
  beforeAll(async () => {
    bed = await CompactorTestBed.start();
  });
  afterAll(async () => {
    await store?.stop();
    await bed?.close();
  });

  const pointsOf = async (s: TieredStore, n: number): Promise<number> => {
    const id = (BigInt(n + 1) * 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    const out: VersionedPoints[] = [];
    await s.read(partitionOf(id, PARTITIONS), id, 0, Infinity, out, (e) => fail(e));
    return out.reduce((k, u) => k + u.timestamps.length, 0);
  };

  it('are logged with their sequence, skipped, and delete nothing', async () => {
    await bed.publishChunks(0, 40);
    let compactor = await bed.startCompactor({ graceMs: 0 });
    await bed.waitAllAcked();
    await bed.stopCompactor(compactor);
    const logs: string[] = [];
    store = new TieredStore(bed.nc, bed.dataDir, (m) => logs.push(m), undefined, PARTITIONS);
    await store.start();
    const live = store.catalog.live();
    const warm0 = live.find((f) => f.partition === 0)!.file;
    const before = bed.filesOnDisk();
    expect((await pointsOf(store, 0)) + (await pointsOf(store, 1))).toBe(20);

    const victim = path.join(bed.dataDir, 'victim.txt');
    fs.writeFileSync(victim, 'not a tier file');
    // Named as the compactor names files, below every recorded name, but never recorded: not the compactor's.
    const stranger = `warm/p0/${warmFileName(0)}`;
    fs.writeFileSync(path.join(bed.dataDir, stranger), 'someone else’s');
    const messages: Array<[number, Uint8Array]> = [
      [0, encodeManifestEvent(forged('cold-added', 0, 'victim.txt'))],
      [0, encodeManifestEvent(forged('expired', 0, 'victim.txt'))],
      [0, encodeManifestEvent(forged('cold-added', 0, 'cold/p0/../../victim.txt'))],
      [0, encodeManifestEvent(forged('cold-added', 0, '/tmp/victim.txt'))],
      [0, encodeManifestEvent(forged('cold-added', 0, `cold/p1/${coldFileName(0, 99)}`))],
      [0, encodeManifestEvent(forged('cold-added', 7, `cold/p7/${coldFileName(0, 99)}`))],
      [0, encodeManifestEvent(forged('expired', 0, warm0))],
      [0, encodeManifestEvent(forged('warm-removed', 0, warm0))],
      [
        0,
        encodeManifestEvent({
          ...forged('cold-added', 0, `cold/p0/${coldFileName(0, 98)}`),
          replaces: [warm0, '../victim.txt'],
        }),
      ],
      [0, badJsonFrame()],
      [0, new TextEncoder().encode('{"kind":"expired"}')],
    ];
    for (const [p, data] of messages) await bed.js.publish(manifestSubject(p), data);

    // The query service follows: one line for the lot, naming a stream sequence; it reads as before.
    await waitFor(
      () => logs.some((l) => /manifest event \d+ on ztsdb\.manifest\.p\.0 skipped/.test(l)),
      'a report',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(logs.filter((l) => /skipped/.test(l))).toHaveLength(1);
    expect(store.catalog.live()).toEqual(live);
    expect((await pointsOf(store, 0)) + (await pointsOf(store, 1))).toBe(20);

    // The compactor replays them at start, removes retired files (grace 0) and cleans up: nothing goes.
    bed.logs.length = 0;
    compactor = await bed.startCompactor({ graceMs: 0 });
    await compactor.tick();
    await bed.stopCompactor(compactor);
    expect(
      bed.logs.filter((l) => /manifest event \d+ .* skipped, not acted on/.test(l)),
    ).toHaveLength(1);
    expect(bed.logs.some((l) => l.includes(`left 1 file(s)`) && l.includes(stranger))).toBe(true);
    expect(fs.readFileSync(victim, 'utf8')).toBe('not a tier file');
    expect(bed.filesOnDisk()).toEqual([...before, stranger].sort());
    expect((await bed.catalog()).live()).toEqual(live);
  });
});
