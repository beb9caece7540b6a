// A partition's head snapshot laid out (stateImage, as the ingestor's snapshot does while
// the partition's applies wait), into fresh memory against a kept scratch (ImageScratch,
// ZTSDB_INGESTOR_SNAPSHOT_SCRATCH_BYTES), alternated. The head: BENCH_SERIES series of
// BENCH_POINTS points at 1 s, values a two-decimal random walk. Prints the layout's ms per
// image and MB/s for each; the last line is a JSON object of the figures.
// Run: node dist/bench/ingest/snapshot-layout.js
import { HotState, ImageScratch } from '@ztsdb/tsdb';
import { stateImage } from '../../libs/tsdb/src/wal/checkpoint-generations';
import { CHECKPOINT_STEP_BYTES } from '../../libs/tsdb/src/wal/snapshot-store';

const SERIES = Number(process.env.BENCH_SERIES ?? 25_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const T0 = 1_700_000_000_000;

const state = new HotState(0, 2 * 3_600_000);
const ids = new BigUint64Array(SERIES);
for (let i = 0; i < SERIES; i++) ids[i] = BigInt(i + 1) * 2654435761n;
const ts = new Float64Array(SERIES);
const vs = new Float64Array(SERIES);
let seed = 0x9e3779b9;
const rand = (): number => {
  seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
  return (seed >>> 0) / 2 ** 32;
};
for (let i = 0; i < SERIES; i++) vs[i] = Math.round(rand() * 10_000) / 100;
for (let p = 0; p < POINTS; p++) {
  ts.fill(T0 + p * 1000);
  for (let i = 0; i < SERIES; i++) vs[i] = Math.round((vs[i]! + rand() - 0.5) * 100) / 100;
  state.apply(p + 1, ids, ts, vs, SERIES);
}

async function layOut(scratch: ImageScratch | undefined): Promise<{ ms: number; bytes: number }> {
  const t = process.hrtime.bigint();
  const image = await stateImage(state, { stepBytes: CHECKPOINT_STEP_BYTES, scratch });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  scratch?.give(image.backing);
  return { ms, bytes: image.bytes.length };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  const scratch = new ImageScratch(Number.MAX_SAFE_INTEGER);
  const fresh: number[] = [];
  const kept: number[] = [];
  let bytes = 0;
  await layOut(scratch); // the scratch's first image is in fresh memory too
  for (let r = 0; r < ROUNDS; r++) {
    const a = await layOut(undefined);
    const b = await layOut(scratch);
    fresh.push(a.ms);
    kept.push(b.ms);
    bytes = a.bytes;
  }
  const mbps = (ms: number): number => Math.round(bytes / 1e3 / ms);
  const figures = {
    series: SERIES,
    points_per_series: POINTS,
    image_bytes: bytes,
    fresh_ms_p50: Math.round(median(fresh) * 10) / 10,
    kept_ms_p50: Math.round(median(kept) * 10) / 10,
    fresh_mb_per_s: mbps(median(fresh)),
    kept_mb_per_s: mbps(median(kept)),
    rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
  process.stdout.write(
    `image of ${SERIES} series × ${POINTS} points: ${(bytes / 2 ** 20).toFixed(1)} MiB\n` +
      `into fresh memory: ${figures.fresh_ms_p50} ms (${figures.fresh_mb_per_s} MB/s)\n` +
      `into the kept scratch: ${figures.kept_ms_p50} ms (${figures.kept_mb_per_s} MB/s)\n` +
      `${JSON.stringify(figures)}\n`,
  );
}

void main();
