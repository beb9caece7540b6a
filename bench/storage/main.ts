// Storage benchmark: Gorilla encode/decode, engine insert, warm and cold size
// per sample and one-series-hour read latency. The embedded Engine runs the
// production head (HotState), partition WAL (LocalLog) and warm/cold writers
// and readers of libs/tsdb, so these are the ingestor's and compactor's code
// paths. Scale with BENCH_SERIES and BENCH_POINTS (defaults 10,000 × 3,600 at
// 1 s). Last line: one JSON object.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { decodeChunk, decodeChunkInto, encodeChunk } from '@ztsdb/chunkenc';
import { generateDataset } from '@ztsdb/synthetic';
import { Engine } from '@ztsdb/tsdb';

const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 3_600);
const READS = Number(process.env.BENCH_READS ?? 2_000);

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** CPU time (user + system, all threads of the process) in ms: less sensitive than wall time to other load on a shared machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Garbage-collection pauses seen while it is active (count and total ms). */
const gc = { count: 0, ms: 0, maxMs: 0, spans: [] as [number, number][] };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.ms += e.duration;
    if (e.duration > gc.maxMs) gc.maxMs = e.duration;
    gc.spans.push([e.startTime, e.startTime + e.duration]);
  }
}).observe({ entryTypes: ['gc'] });
function resetGc(): void {
  gc.count = 0;
  gc.ms = 0;
  gc.maxMs = 0;
  gc.spans = [];
}
/** GC entries are delivered on a later turn of the event loop. */
const gcSettled = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(dir)) n += fs.statSync(path.join(dir, f)).size;
  return n;
}

function log(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

async function main(): Promise<void> {
  const figures: Record<string, number | string> = { series: SERIES, points_per_series: POINTS };
  let t0 = now();
  const ds = generateDataset(SERIES, POINTS, 1000);
  const total = SERIES * POINTS;
  log(
    `dataset: ${SERIES} series × ${POINTS} points = ${total.toLocaleString()} points (${((now() - t0) / 1000).toFixed(1)} s to generate)`,
  );

  // Gorilla encode / decode, one core. A short warm-up first (so the timed pass
  // runs optimised code), then one timed pass over every series. Besides wall
  // time, CPU time of the process is reported: the machine is shared.
  const chunks: Uint8Array[] = new Array(SERIES);
  for (let s = 0; s < Math.min(SERIES, 200); s++)
    decodeChunk(encodeChunk(ds.timestamps, ds.values[s]!));
  t0 = now();
  let c0 = cpuMs();
  for (let s = 0; s < SERIES; s++) chunks[s] = encodeChunk(ds.timestamps, ds.values[s]!);
  const encMs = now() - t0;
  const encCpu = cpuMs() - c0;
  await gcSettled(); // GC entries of the encode pass arrive late: do not count them below
  resetGc();
  t0 = now();
  c0 = cpuMs();
  let check = 0;
  for (let s = 0; s < SERIES; s++) check += decodeChunk(chunks[s]!).timestamps.length;
  const decMs = now() - t0;
  const decCpu = cpuMs() - c0;
  await gcSettled();
  figures.gorilla_decode_gc_ms = Math.round(gc.ms);
  figures.gorilla_decode_gc_pauses = gc.count;
  if (check !== total) throw new Error('decode lost points');
  // The same decoding into reused arrays (decodeChunkInto): the codec without
  // the allocation of fresh result arrays and the GC work that follows it.
  const tBuf = new Float64Array(8192);
  const vBuf = new Float64Array(8192);
  await gcSettled();
  resetGc();
  t0 = now();
  c0 = cpuMs();
  check = 0;
  for (let s = 0; s < SERIES; s++) check += decodeChunkInto(chunks[s]!, tBuf, vBuf);
  const intoMs = now() - t0;
  const intoCpu = cpuMs() - c0;
  if (check !== total) throw new Error('decode lost points');
  figures.gorilla_decode_into_points_per_s = Math.round(total / (intoMs / 1000));
  figures.gorilla_decode_into_points_per_cpu_s = Math.round(total / (intoCpu / 1000));
  let chunkBytes = 0;
  for (const c of chunks) chunkBytes += c.length;
  figures.gorilla_encode_points_per_s = Math.round(total / (encMs / 1000));
  figures.gorilla_encode_points_per_cpu_s = Math.round(total / (encCpu / 1000));
  figures.gorilla_decode_points_per_s = Math.round(total / (decMs / 1000));
  figures.gorilla_decode_points_per_cpu_s = Math.round(total / (decCpu / 1000));
  figures.gorilla_bytes_per_sample = +(chunkBytes / total).toFixed(3);
  const M = (x: number | string): string => (Number(x) / 1e6).toFixed(1);
  log(
    `gorilla encode: ${M(figures.gorilla_encode_points_per_s)} M points/s wall, ${M(figures.gorilla_encode_points_per_cpu_s)} M per CPU-second (one core)`,
  );
  log(
    `gorilla decode: ${M(figures.gorilla_decode_points_per_s)} M points/s wall, ${M(figures.gorilla_decode_points_per_cpu_s)} M per CPU-second (one core; ${figures.gorilla_decode_gc_pauses} GC pauses, ${figures.gorilla_decode_gc_ms} ms)`,
  );
  log(
    `gorilla decode into reused arrays: ${M(figures.gorilla_decode_into_points_per_s)} M points/s wall, ${M(figures.gorilla_decode_into_points_per_cpu_s)} M per CPU-second (one core)`,
  );
  log(`gorilla chunk size: ${figures.gorilla_bytes_per_sample} B/sample`);
  chunks.length = 0;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-bench-storage-'));
  try {
    const engine = await Engine.open({ dir, partitions: 4, maxChunkAgeMs: 2 * 3600_000 });
    const ids = Array.from(ds.ids);
    const ts = ds.timestamps;
    const vals = ds.values;
    t0 = now();
    const insCpu0 = cpuMs();
    let sinceFlush = 0;
    for (let p = 0; p < POINTS; p++) {
      const t = ts[p]!;
      for (let s = 0; s < SERIES; s++) {
        if (!engine.insert(ids[s]!, t, vals[s]![p]!)) {
          engine.drain();
          engine.insert(ids[s]!, t, vals[s]![p]!);
        }
      }
      sinceFlush += SERIES;
      if (sinceFlush >= 1_000_000) {
        await engine.flush(); // durable in the WAL; also bounds one LMDB transaction
        sinceFlush = 0;
      }
    }
    await engine.flush();
    const insMs = now() - t0;
    const insCpu = cpuMs() - insCpu0;
    figures.engine_insert_points_per_s = Math.round(total / (insMs / 1000));
    figures.engine_insert_points_per_cpu_s = Math.round(total / (insCpu / 1000));
    log(
      `engine insert (buffer → hot chunks + durable LMDB WAL): ${(figures.engine_insert_points_per_s / 1e6).toFixed(2)} M points/s wall, ${(figures.engine_insert_points_per_cpu_s / 1e6).toFixed(2)} M per CPU-second (all threads)`,
    );

    engine.sealByAge(Infinity);
    t0 = now();
    c0 = cpuMs();
    await engine.compactToWarm();
    figures.compact_to_warm_ms = Math.round(now() - t0);
    figures.compact_to_warm_cpu_ms = Math.round(cpuMs() - c0);
    let warmBytes = 0;
    for (let p = 0; p < 4; p++) warmBytes += dirBytes(path.join(dir, 'warm', `p${p}`));
    figures.warm_bytes_per_sample = +(warmBytes / total).toFixed(3);
    log(
      `warm: ${figures.warm_bytes_per_sample} B/sample (${warmBytes.toLocaleString()} bytes, compaction ${figures.compact_to_warm_ms} ms)`,
    );

    const start = ts[0]!;
    const end = start + 3600_000 - 1;
    type Lat = {
      p50: number;
      p99: number;
      gcCount: number;
      gcMs: number;
      gcMaxMs: number;
      slowWithGc: number;
      slowOffCpu: number;
    };
    const readLatency = async (read: (id: bigint) => number): Promise<Lat> => {
      for (let i = 0; i < 200; i++) read(ids[i % SERIES]!); // warm-up (JIT, page faults)
      await gcSettled();
      resetGc();
      const lat: number[] = [];
      const spans: [number, number][] = [];
      const cpu: number[] = [];
      let seed = 12345;
      for (let i = 0; i < READS; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const id = ids[seed % SERIES]!;
        const c0 = process.cpuUsage();
        const a = performance.now();
        const n = read(id);
        const b = performance.now();
        const c1 = process.cpuUsage(c0);
        lat.push(b - a);
        spans.push([a, b]);
        cpu.push((c1.user + c1.system) / 1000);
        if (n !== Math.min(POINTS, 3600)) throw new Error(`read ${n} points`);
      }
      await gcSettled();
      const sorted = [...lat].sort((x, y) => x - y);
      const p99 = percentile(sorted, 0.99);
      // Of the reads at or above p99, how many overlapped a GC pause.
      // And how many used under half their wall time as CPU time: the thread
      // was descheduled (other load on the machine) or blocked (page faults).
      let slow = 0;
      let slowWithGc = 0;
      let slowOffCpu = 0;
      for (let i = 0; i < spans.length; i++) {
        const [a, b] = spans[i]!;
        if (b - a < p99) continue;
        slow++;
        if (gc.spans.some(([s0, s1]) => s0 < b && s1 > a)) slowWithGc++;
        if (cpu[i]! < 0.5 * (b - a)) slowOffCpu++;
      }
      return {
        p50: percentile(sorted, 0.5),
        p99,
        gcCount: gc.count,
        gcMs: +gc.ms.toFixed(1),
        gcMaxMs: +gc.maxMs.toFixed(2),
        slowWithGc: slow === 0 ? 0 : +(slowWithGc / slow).toFixed(2),
        slowOffCpu: slow === 0 ? 0 : +(slowOffCpu / slow).toFixed(2),
      };
    };
    const warmLat = await readLatency((id) => {
      let n = 0;
      for (const r of engine.partition(Number(id % 4n)).warm.values())
        for (const c of r.read(id, start, end)) n += c.timestamps.length;
      return n;
    });
    figures.warm_read_hour_p50_ms = +warmLat.p50.toFixed(4);
    figures.warm_read_hour_p99_ms = +warmLat.p99.toFixed(4);
    figures.warm_read_gc_pauses = warmLat.gcCount;
    figures.warm_read_gc_max_ms = warmLat.gcMaxMs;
    figures.warm_read_slow_during_gc = warmLat.slowWithGc;
    figures.warm_read_slow_off_cpu = warmLat.slowOffCpu;
    log(
      `warm read of one series' hour: p50 ${figures.warm_read_hour_p50_ms} ms, p99 ${figures.warm_read_hour_p99_ms} ms (${READS} reads; ${warmLat.gcCount} GC pauses, ${warmLat.gcMs} ms, longest ${warmLat.gcMaxMs} ms; share of reads ≥ p99 that overlapped a GC pause: ${warmLat.slowWithGc}, that ran on the CPU under half their time: ${warmLat.slowOffCpu})`,
    );

    // The merge's memory: RSS sampled every 5 ms while it runs, above the RSS it started from.
    const rss0 = process.memoryUsage.rss();
    let rssPeak = rss0;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 5);
    t0 = now();
    c0 = cpuMs();
    await engine.compactToCold();
    figures.compact_to_cold_ms = Math.round(now() - t0);
    figures.compact_to_cold_cpu_ms = Math.round(cpuMs() - c0);
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    figures.compact_to_cold_rss_growth_mb = Math.round((rssPeak - rss0) / 2 ** 20);
    let coldBytes = 0;
    for (let p = 0; p < 4; p++) coldBytes += dirBytes(path.join(dir, 'cold', `p${p}`));
    figures.cold_bytes_per_sample = +(coldBytes / total).toFixed(3);
    log(
      `cold: ${figures.cold_bytes_per_sample} B/sample (${coldBytes.toLocaleString()} bytes, compaction ${figures.compact_to_cold_ms} ms, ${figures.compact_to_cold_cpu_ms} ms CPU, RSS +${figures.compact_to_cold_rss_growth_mb} MiB)`,
    );
    const coldLat = await readLatency((id) => {
      let n = 0;
      for (const r of engine.partition(Number(id % 4n)).cold.values())
        n += r.read(id, start, end)?.timestamps.length ?? 0;
      return n;
    });
    figures.cold_read_hour_p50_ms = +coldLat.p50.toFixed(4);
    figures.cold_read_hour_p99_ms = +coldLat.p99.toFixed(4);
    figures.cold_read_gc_pauses = coldLat.gcCount;
    figures.cold_read_gc_max_ms = coldLat.gcMaxMs;
    figures.cold_read_slow_during_gc = coldLat.slowWithGc;
    figures.cold_read_slow_off_cpu = coldLat.slowOffCpu;
    log(
      `cold read of one series' hour: p50 ${figures.cold_read_hour_p50_ms} ms, p99 ${figures.cold_read_hour_p99_ms} ms (${READS} reads; ${coldLat.gcCount} GC pauses, ${coldLat.gcMs} ms, longest ${coldLat.gcMaxMs} ms; share of reads ≥ p99 that overlapped a GC pause: ${coldLat.slowWithGc}, that ran on the CPU under half their time: ${coldLat.slowOffCpu})`,
    );

    const engLat = await readLatency((id) => engine.query(id, start, end).timestamps.length);
    figures.engine_query_hour_p50_ms = +engLat.p50.toFixed(4);
    figures.engine_query_hour_p99_ms = +engLat.p99.toFixed(4);
    log(
      `engine.query of one series' hour (all tiers): p50 ${figures.engine_query_hour_p50_ms} ms, p99 ${figures.engine_query_hour_p99_ms} ms`,
    );
    if (engine.warnings.total > 0)
      throw new Error(`unexpected warnings: ${engine.warnings.list()[0]?.message}`);
    await engine.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const mem = process.memoryUsage();
  figures.rss_mb = Math.round(mem.rss / 2 ** 20);
  figures.max_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
  log(`RSS: ${figures.rss_mb} MiB now, ${figures.max_rss_mb} MiB peak`);
  log(JSON.stringify(figures));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
