// Head memory per active series, in one process (no NATS, no WAL): BENCH_SERIES series in
// four partition heads get BENCH_POINTS points each through HotState.apply, in batches of
// 250 samples per producer as the collectors send them. Reports the V8 heap plus off-heap
// bytes per series after a full GC, the open chunks' own bytes per series, and the CPU per
// sample. Run with `node --expose-gc dist/bench/ingest/head-memory.js`. Last line: JSON.
import { partitionOf, seriesId } from '@ztsdb/model';
import { HotState } from '@ztsdb/tsdb';

const SERIES = Number(process.env.BENCH_SERIES ?? 100_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 90);
const PARTITIONS = 4;
const PER_BATCH = 250;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  process.stdout.write('run with node --expose-gc\n');
  process.exit(1);
}

function heapAndExternal(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const states = Array.from({ length: PARTITIONS }, (_, p) => new HotState(p, 2 * 3600_000));
const ids: bigint[][] = Array.from({ length: PARTITIONS }, () => []);
for (let i = 0; i < SERIES; i++) {
  const cid = Math.floor(i / 10)
    .toString(16)
    .padStart(12, '0');
  const id = seriesId(`container.metric${i % 10}.${cid}`);
  ids[partitionOf(id, PARTITIONS)]!.push(id);
}
const batches: Array<{ p: number; producer: bigint; ids: BigUint64Array }> = [];
for (let p = 0; p < PARTITIONS; p++)
  for (let o = 0; o < ids[p]!.length; o += PER_BATCH)
    batches.push({
      p,
      producer: BigInt(o / PER_BATCH + 1),
      ids: BigUint64Array.from(ids[p]!.slice(o, o + PER_BATCH)),
    });

const before = heapAndExternal();
const ts = new Float64Array(PER_BATCH);
const vs = new Float64Array(PER_BATCH);
const t0 = Date.now() - 3600_000;
let seq = 0;
const cpu0 = process.cpuUsage();
for (let k = 0; k < POINTS; k++) {
  ts.fill(t0 + k * 1000);
  for (const b of batches) {
    // Values like a rate kept to two decimals, moving a little each second.
    for (let i = 0; i < b.ids.length; i++)
      vs[i] = Math.round(((i % 97) * 10 + Math.sin(k + i) * 5) * 100) / 100;
    states[b.p]!.apply(++seq, b.ids, ts, vs, b.ids.length, b.producer);
  }
}
const cpu = process.cpuUsage(cpu0);
const after = heapAndExternal();
let chunkBytes = 0;
for (const st of states)
  for (const s of st.head.series) {
    const bytes = st.head.openBytes(s);
    if (bytes) chunkBytes += bytes.length;
  }
const figures = {
  series: SERIES,
  points_per_series: POINTS,
  heap_and_external_bytes_per_series: Math.round((after - before) / SERIES),
  open_chunk_bytes_per_series: Math.round(chunkBytes / SERIES),
  cpu_ns_per_sample: Math.round(((cpu.user + cpu.system) * 1000) / (SERIES * POINTS)),
  rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
};
process.stdout.write(
  `head memory: ${figures.heap_and_external_bytes_per_series} B per series (open chunks ${figures.open_chunk_bytes_per_series} B of it), ${figures.cpu_ns_per_sample} ns CPU per sample\n`,
);
process.stdout.write(`${JSON.stringify(figures)}\n`);
