import { crc32c } from '@ztsdb/checksum';
import { FileCatalog } from '@ztsdb/manifest';
import { decodeManifestEvent, encodeManifestEvent, type ManifestEvent } from '@ztsdb/wire';
import { FuzzInput } from '../fuzz-input';
import { check, decodeOrTyped, type FuzzTarget } from '../fuzz-target';
import { withCrcLE } from './repair';

const KINDS = ['warm-added', 'cold-added', 'warm-removed', 'expired'];

/** What consumers of a decoded event rely on (FileCatalog, compactor, ingestor). */
function checkEvent(e: ManifestEvent): void {
  check(typeof e === 'object' && e !== null && !Array.isArray(e), 'event is not an object');
  check(KINDS.includes(e.kind), `bad kind ${String(e.kind)}`);
  check(Number.isInteger(e.partition), 'partition is not an integer');
  check(typeof e.file === 'string' && !e.file.includes('..'), 'bad file');
  for (const k of ['bytes', 'crc32c', 'minT', 'maxT', 'seriesCount', 'points', 'atMs'] as const)
    check(e[k] === undefined || typeof e[k] === 'number', `${k} is not a number`);
  check(
    e.chunks === undefined ||
      (Array.isArray(e.chunks) &&
        e.chunks.every(
          (c) =>
            typeof c === 'object' &&
            c !== null &&
            typeof c.id === 'string' &&
            typeof c.minT === 'number' &&
            typeof c.maxT === 'number' &&
            typeof c.count === 'number',
        )),
    'chunks is not a list of chunk refs',
  );
  check(
    e.replaces === undefined ||
      (Array.isArray(e.replaces) && e.replaces.every((f) => typeof f === 'string')),
    'replaces is not a list of file names',
  );
}

/** What the compactor and query services do with an event: a consumer must not throw. */
function consume(e: ManifestEvent): void {
  const catalog = new FileCatalog();
  decodeOrTyped('FileCatalog.apply', () => {
    catalog.apply(e, 1);
    catalog.apply({ ...e, kind: 'expired' }, 2);
    catalog.live(e.partition);
    catalog.retired();
    catalog.nextWarmSeq(e.partition);
    catalog.nextColdGen();
  });
}

/** A frame around arbitrary body bytes, so the fuzzer reaches the JSON checks. */
function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length + 4);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x454d545a, true);
  v.setUint8(4, 1);
  v.setUint32(8, body.length, true);
  out.set(body, 12);
  v.setUint32(out.length - 4, crc32c(out, 0, out.length - 4), true);
  return out;
}

function roundTrip(data: Uint8Array): void {
  const inp = new FuzzInput(data);
  const e: ManifestEvent = {
    kind: KINDS[inp.int(3)] as ManifestEvent['kind'],
    partition: inp.u16(),
    file: `warm/p0/${inp.string(40).replace(/\.\./g, '_')}`,
    bytes: inp.u32(),
    crc32c: inp.u32(),
    minT: inp.u32(),
    maxT: inp.u32(),
    seriesCount: inp.u16(),
    points: inp.u32(),
    atMs: inp.u32(),
  };
  if (inp.u8() & 1)
    e.chunks = [{ id: inp.u64().toString(16).padStart(16, '0'), minT: 1, maxT: 2, count: 3 }];
  if (inp.u8() & 1) e.replaces = [inp.string(20)];
  const d = decodeManifestEvent(encodeManifestEvent(e));
  // Field order is not part of the event: a version-2 frame gives `chunks` back last.
  const sorted = (o: object): string =>
    JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1))));
  check(sorted(d) === sorted(e), 'manifest event does not round-trip');
}

export const manifestEventTarget: FuzzTarget = {
  name: 'manifest-event',
  description:
    'libs/wire decodeManifestEvent (compactor → every service; JSON body, version 2 chunk table)',
  run(data) {
    for (const msg of [data, withCrcLE(data, data.length - 4, 0), frame(data)]) {
      const e = decodeOrTyped('decodeManifestEvent', () => decodeManifestEvent(msg));
      if (e) {
        checkEvent(e);
        consume(e);
      }
    }
    roundTrip(data);
  },
  seeds() {
    const base: ManifestEvent = {
      kind: 'warm-added',
      partition: 0,
      file: 'warm/p0/seg-000000000001.warm',
      bytes: 100,
      crc32c: 1,
      minT: 1,
      maxT: 2,
      seriesCount: 1,
      points: 3,
      chunks: [{ id: '000000000000002a', minT: 1, maxT: 2, count: 3 }],
      atMs: 5,
    };
    const enc = new TextEncoder();
    return [
      encodeManifestEvent(base),
      encodeManifestEvent({
        ...base,
        kind: 'cold-added',
        chunks: undefined,
        replaces: ['warm/p0/a.warm'],
      }),
      encodeManifestEvent({ ...base, kind: 'expired', chunks: undefined }),
      frame(enc.encode('null')),
      frame(enc.encode('{"kind":"expired","partition":0,"file":"x","chunks":{}}')),
      enc.encode('{"kind":"warm-removed","partition":1,"file":"warm/p1/seg-000000000002.warm"}'),
    ];
  },
};
