import { Head, IndexCorruptError, decodeHeadSnapshot, encodeHeadSnapshot } from '@ztsdb/tsdb';
import { ByteReader, ByteWriter } from '../../../libs/tsdb/src/encoding/byte-io';
import { FuzzInput } from '../fuzz-input';
import { check, decodeOrTyped, type FuzzTarget } from '../fuzz-target';

const OPTS = { partition: 0, maxChunkAgeMs: 3_600_000, outOfOrderWindowMs: 600_000 };

function reader(bytes: Uint8Array): ByteReader {
  return new ByteReader(
    bytes,
    0,
    bytes.length,
    (m, o) => new IndexCorruptError(`snapshot: ${m}`, { offset: o }),
  );
}

/** Everything a restored head must still answer. */
function useHead(h: Head): void {
  for (const s of h.series) h.read(s.id, -Infinity, Infinity);
  h.sealByAge(Number.MAX_SAFE_INTEGER);
  h.takeSealed();
}

function build(inp: FuzzInput): Head {
  const h = new Head(OPTS);
  const n = inp.int(200);
  const ts = inp.timestamps(n);
  for (let i = 0; i < n; i++) {
    try {
      h.append(BigInt(inp.int(4)), ts[i]! - (inp.u8() < 16 ? inp.int(700_000) : 0), inp.value());
    } catch {
      // Out-of-order refusals are part of normal use.
    }
  }
  if (inp.u8() & 1) h.sealByAge(ts[n - 1] ?? 0);
  return h;
}

function snapshotOf(h: Head): string {
  return JSON.stringify(
    h.series.map((s) => [
      String(s.id),
      h
        .read(s.id, -Infinity, Infinity)
        .map((p) => [p.version, [...p.timestamps], [...p.values].map(String)]),
    ]),
  );
}

function roundTrip(data: Uint8Array): void {
  const h = build(new FuzzInput(data));
  const before = snapshotOf(h);
  const bytes = encodeHeadSnapshot(h, new ByteWriter(1024)).finish();
  const back = decodeHeadSnapshot(reader(bytes), OPTS);
  check(snapshotOf(back) === before, 'head snapshot does not round-trip');
}

export const headSnapshotTarget: FuzzTarget = {
  name: 'head-snapshot',
  description: 'libs/tsdb decodeHeadSnapshot (WAL checkpoints of the engine and the ingestor)',
  run(data) {
    const h = decodeOrTyped('decodeHeadSnapshot', () => decodeHeadSnapshot(reader(data), OPTS));
    if (h) decodeOrTyped('restored head', () => useHead(h));
    roundTrip(data);
  },
  seeds() {
    const t0 = 1_700_000_000_000;
    const h = new Head(OPTS);
    for (let i = 0; i < 30; i++) h.append(BigInt(i % 3), t0 + i * 1000, i / 2);
    h.append(1n, t0 + 500, 9);
    const sealed = new Head({ ...OPTS, maxChunkAgeMs: 5000 });
    for (let i = 0; i < 30; i++) sealed.append(7n, t0 + i * 1000, i);
    return [
      encodeHeadSnapshot(new Head(OPTS)).finish(),
      encodeHeadSnapshot(h).finish(),
      encodeHeadSnapshot(sealed).finish(),
    ];
  },
};
