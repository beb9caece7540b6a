import * as fs from 'node:fs';
import * as path from 'node:path';
import { ZtsdbError } from '@ztsdb/errors';
import { ColdReader, encodeColdFile, thinUnit, type ColdSeries } from '@ztsdb/tsdb';
import { FuzzInput } from '../fuzz-input';
import { fuzzTmpDir } from '../fuzz-tmp';
import { check, decodeOrTyped, sameFloats, type FuzzTarget } from '../fuzz-target';
import { COLD_LAYOUT, repairTierFile } from './tier-file-repair';

function readAll(r: ColdReader): void {
  const sink = (e: unknown): void =>
    check(e instanceof ZtsdbError, 'a skip report is not a ZtsdbError');
  for (const id of r.seriesIds()) {
    r.blocks(id);
    const p = r.read(id, -Infinity, Infinity, sink);
    if (p) check(p.timestamps.length === p.values.length, 'columns differ in length');
    for (const inst of INSTANTS) {
      const thin = r.readAtInstants(id, r.minT, r.maxT, inst(r.minT), sink);
      if (thin) check(thin.timestamps.length === thin.values.length, 'thinned columns differ');
    }
  }
  for (const s of r.allSeries(sink))
    check(s.timestamps.length === s.values.length, 'columns differ');
}

/** Step-sampling instants from a file's first timestamp: steps of 1 s, 7 s, 1 min, and one instant. */
const INSTANTS = [
  (t: number) => ({ first: t, step: 1000, count: 200 }),
  (t: number) => ({ first: t + 500, step: 7000, count: 40 }),
  (t: number) => ({ first: t, step: 60_000, count: 10 }),
  (t: number) => ({ first: t + 3000, step: 0, count: 1 }),
];

function readBuffer(buf: Uint8Array): void {
  const r = decodeOrTyped('ColdReader.fromBuffer', () => ColdReader.fromBuffer(buf, 'fuzz'));
  if (r) decodeOrTyped('ColdReader.read', () => readAll(r));
}

let dir: string | undefined;
function readFile(buf: Uint8Array): void {
  dir ??= fs.mkdtempSync(path.join(fuzzTmpDir(), 'ztsdb-fuzz-cold-'));
  const file = path.join(dir, 'w000000000000000-g0000000001.cold');
  fs.writeFileSync(file, buf);
  const r = decodeOrTyped('ColdReader.open', () => ColdReader.open(file));
  if (!r) return;
  try {
    decodeOrTyped('ColdReader.read (mapped)', () => readAll(r));
  } finally {
    r.close();
  }
}

function buildSeries(inp: FuzzInput): ColdSeries[] {
  const out: ColdSeries[] = [];
  const k = inp.int(4);
  for (let i = 0; i < k; i++) {
    // Up to 400 points: long enough for packed-decimal value blocks (a frame is 128).
    const n = inp.int(400);
    // Sorted unique timestamps, as the format requires.
    const ts = [...new Set(inp.timestamps(n))];
    const vs = ts.map(() => inp.value());
    out.push({
      seriesId: BigInt(i * 3 + inp.int(2)),
      version: inp.u8(),
      timestamps: new Float64Array(ts),
      values: new Float64Array(vs),
    });
  }
  return out;
}

function roundTrip(data: Uint8Array): void {
  const inp = new FuzzInput(data);
  const series = buildSeries(inp);
  const blockPoints = 1 + inp.int(50);
  const file = Buffer.concat(
    encodeColdFile(
      { partition: inp.u16(), windowStart: 0, windowEnd: 2 ** 50, blockPoints },
      series,
    ),
  );
  const r = ColdReader.fromBuffer(file, 'round-trip');
  for (const s of series) {
    const got = r.read(s.seriesId, -Infinity, Infinity, (e) =>
      check(false, `intact file reported ${e.message}`),
    );
    if (s.timestamps.length === 0) {
      check(got === null, 'an empty series came back');
      continue;
    }
    check(got !== null, 'a series does not round-trip');
    check(sameFloats(got.timestamps, s.timestamps), 'timestamps do not round-trip');
    check(sameFloats(got.values, s.values), 'values do not round-trip');
    check(got.version === s.version, 'version does not round-trip');
    // Step-sampled reads (values by index where blocks allow) keep what thinning the whole does.
    const t0 = s.timestamps[0]!;
    for (const inst of INSTANTS) {
      const i = inst(t0);
      const start = t0 - 1000;
      const end = i.first + (i.count - 1) * i.step;
      const want = thinUnit(got, start, end, i);
      const thin = r.readAtInstants(s.seriesId, start, end, i);
      check(
        (want === null && thin === null) ||
          (want !== null &&
            thin !== null &&
            sameFloats(thin.timestamps, want.timestamps) &&
            sameFloats(thin.values, want.values)),
        'a step-sampled read differs from thinning the whole read',
      );
    }
  }
}

export const coldFileTarget: FuzzTarget = {
  name: 'cold-file',
  description: 'libs/tsdb ColdReader (from memory and from an mmapped temp file)',
  run(data) {
    readBuffer(data);
    const repaired = repairTierFile(data, COLD_LAYOUT);
    readBuffer(repaired);
    readFile(repaired);
    roundTrip(data);
  },
  close() {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  },
  seeds() {
    const t0 = 1_700_000_000_000;
    const s = (id: bigint, n: number, step: number): ColdSeries => {
      const ts = Array.from({ length: n }, (_, i) => t0 + i * step);
      return {
        seriesId: id,
        version: 1,
        timestamps: new Float64Array(ts),
        values: new Float64Array(ts.map((_, i) => i / 4)),
      };
    };
    const meta = { partition: 0, windowStart: t0, windowEnd: t0 + 7_200_000 };
    return [
      Buffer.concat(encodeColdFile(meta, [])),
      Buffer.concat(encodeColdFile({ ...meta, blockPoints: 16 }, [s(1n, 40, 1000), s(5n, 3, 7)])),
      Buffer.concat(encodeColdFile(meta, [s(2n, 100, 1000)])),
      // A noisy decimal gauge: packed-decimal value blocks (version 3), read by index.
      Buffer.concat(
        encodeColdFile({ ...meta, blockPoints: 200 }, [
          {
            seriesId: 3n,
            version: 1,
            timestamps: Float64Array.from({ length: 300 }, (_, i) => t0 + i * 1000),
            values: Float64Array.from(
              { length: 300 },
              (_, i) => Math.round((20 + Math.sin(i * 7.3) * 3) * 100) / 100,
            ),
          },
        ]),
      ),
    ];
  },
};
