import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeChunk, encodeChunk } from '@ztsdb/chunkenc';
import { ZtsdbError } from '@ztsdb/errors';
import {
  ColdReader,
  WarmReader,
  encodeColdFile,
  encodeWarmSegment,
  mergeWarmSeries,
  type ColdSeries,
  type SealedChunk,
} from '@ztsdb/tsdb';
import { FuzzInput } from '../fuzz-input';
import { fuzzTmpDir } from '../fuzz-tmp';
import { FuzzViolation, check, decodeOrTyped, sameFloats, type FuzzTarget } from '../fuzz-target';
import { WARM_LAYOUT, repairTierFile } from './tier-file-repair';

/** Reads every series and chunk; skipped parts must be reported as typed errors. */
function readAll(r: WarmReader): void {
  const sink = (e: unknown): void =>
    check(e instanceof ZtsdbError, 'a skip report is not a ZtsdbError');
  for (const id of r.seriesIds()) {
    for (const p of r.read(id, -Infinity, Infinity, sink)) {
      check(p.timestamps.length === p.values.length, 'columns differ in length');
    }
  }
  r.chunks(sink);
}

function readBuffer(buf: Uint8Array): void {
  const r = decodeOrTyped('WarmReader.fromBuffer', () => WarmReader.fromBuffer(buf, 'fuzz'));
  if (r) {
    decodeOrTyped('WarmReader.read', () => readAll(r));
    compact(r);
  }
}

const WINDOW_MS = 7_200_000;

/**
 * What the compactor does with an open warm file: merge its series by cold
 * window and write cold files. Damage goes to the skip sink; a throw
 * here (typed or not) would fail the merge of the partition every time.
 */
function compact(r: WarmReader): void {
  const sink = (e: unknown): void =>
    check(e instanceof ZtsdbError, 'a skip report is not a ZtsdbError');
  try {
    const byWindow = new Map<number, ColdSeries[]>();
    for (const { windowStart: w, series } of mergeWarmSeries([r], WINDOW_MS, () => [], sink)) {
      const list = byWindow.get(w);
      if (list) list.push(series);
      else byWindow.set(w, [series]);
    }
    for (const [w, series] of byWindow) {
      const file = Buffer.concat(
        encodeColdFile(
          { partition: r.partition, windowStart: w, windowEnd: w + WINDOW_MS },
          series,
        ),
      );
      ColdReader.fromBuffer(file, 'merged').allSeries(() =>
        check(false, 'a freshly written cold file reports damage'),
      );
    }
  } catch (err) {
    if (err instanceof FuzzViolation) throw err;
    const e = err as Error;
    throw new FuzzViolation(`compacting a warm file threw ${e?.name}: ${e?.message}`, {
      cause: err,
    });
  }
}

let dir: string | undefined;
/** Writes `buf` to a temp file and reads it through mmap, as services do. */
function readFile(buf: Uint8Array): void {
  dir ??= fs.mkdtempSync(path.join(fuzzTmpDir(), 'ztsdb-fuzz-warm-'));
  const file = path.join(dir, 'seg-000000000001.warm');
  fs.writeFileSync(file, buf);
  const r = decodeOrTyped('WarmReader.open', () => WarmReader.open(file));
  if (!r) return;
  try {
    decodeOrTyped('WarmReader.read (mapped)', () => readAll(r));
  } finally {
    r.close();
  }
}

function buildChunks(inp: FuzzInput): SealedChunk[] {
  const out: SealedChunk[] = [];
  const k = inp.int(5);
  for (let i = 0; i < k; i++) {
    const n = 1 + inp.int(60);
    const ts = inp.timestamps(n);
    const vs = ts.map(() => inp.value());
    out.push({
      seriesId: BigInt(inp.int(3)),
      version: i,
      minT: ts[0]!,
      maxT: ts[n - 1]!,
      count: n,
      bytes: encodeChunk(ts, vs),
    });
  }
  return out;
}

function roundTrip(data: Uint8Array): void {
  const inp = new FuzzInput(data);
  const chunks = buildChunks(inp);
  const file = Buffer.concat(
    encodeWarmSegment(inp.u16(), chunks, { compact: (inp.u8() & 1) === 1 }),
  );
  const r = WarmReader.fromBuffer(file, 'round-trip');
  const back = r.chunks((e) => check(false, `intact file reported ${e.message}`));
  check(back.length === chunks.length, 'chunk count does not round-trip');
  for (const c of chunks) {
    const got = r.read(c.seriesId, -Infinity, Infinity).find((p) => p.version === c.version);
    check(got !== undefined && got.timestamps.length === c.count, 'a chunk does not round-trip');
    const want = decodeChunk(c.bytes);
    check(
      sameFloats(got.timestamps, want.timestamps) && sameFloats(got.values, want.values),
      'chunk points do not round-trip',
    );
  }
}

export const warmFileTarget: FuzzTarget = {
  name: 'warm-file',
  description: 'libs/tsdb WarmReader (from memory and from an mmapped temp file)',
  run(data) {
    readBuffer(data);
    const repaired = repairTierFile(data, WARM_LAYOUT);
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
    const c = (id: bigint, version: number, n: number): SealedChunk => {
      const ts = Array.from({ length: n }, (_, i) => t0 + i * 1000);
      const vs = ts.map((_, i) => Math.round(Math.sin(i) * 100) / 10);
      return {
        seriesId: id,
        version,
        minT: ts[0]!,
        maxT: ts[n - 1]!,
        count: n,
        bytes: encodeChunk(ts, vs),
      };
    };
    return [
      Buffer.concat(encodeWarmSegment(0, [])),
      Buffer.concat(encodeWarmSegment(1, [c(1n, 1, 10), c(1n, 2, 3), c(7n, 1, 20)])),
      Buffer.concat(encodeWarmSegment(2, [c(3n, 1, 40)], { compact: false })),
    ];
  },
};
