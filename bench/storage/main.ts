// Storage benchmark: Gorilla encode/decode, engine insert, warm and cold size
// per sample and one-series-hour read latency. Scale with BENCH_SERIES and
// BENCH_POINTS (defaults 10,000 × 3,600 at 1 s). Last line: one JSON object.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeChunk, encodeChunk } from '@ztsdb/chunkenc';
import { generateDataset } from '@ztsdb/synthetic';
import { Engine } from '@ztsdb/tsdb';

const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 3_600);
const READS = Number(process.env.BENCH_READS ?? 2_000);

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

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
  log(`dataset: ${SERIES} series × ${POINTS} points = ${total.toLocaleString()} points (${((now() - t0) / 1000).toFixed(1)} s to generate)`);

  // Gorilla encode / decode, one core.
  const chunks: Uint8Array[] = new Array(SERIES);
  t0 = now();
  for (let s = 0; s < SERIES; s++) chunks[s] = encodeChunk(ds.timestamps, ds.values[s]!);
  const encMs = now() - t0;
  t0 = now();
  let check = 0;
  for (let s = 0; s < SERIES; s++) check += decodeChunk(chunks[s]!).timestamps.length;
  const decMs = now() - t0;
  if (check !== total) throw new Error('decode lost points');
  let chunkBytes = 0;
  for (const c of chunks) chunkBytes += c.length;
  figures.gorilla_encode_points_per_s = Math.round(total / (encMs / 1000));
  figures.gorilla_decode_points_per_s = Math.round(total / (decMs / 1000));
  figures.gorilla_bytes_per_sample = +(chunkBytes / total).toFixed(3);
  log(`gorilla encode: ${(figures.gorilla_encode_points_per_s / 1e6).toFixed(1)} M points/s (one core)`);
  log(`gorilla decode: ${(figures.gorilla_decode_points_per_s / 1e6).toFixed(1)} M points/s (one core)`);
  log(`gorilla chunk size: ${figures.gorilla_bytes_per_sample} B/sample`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-bench-storage-'));
  try {
    const engine = await Engine.open({ dir, partitions: 4, maxChunkAgeMs: 2 * 3600_000 });
    const ids = Array.from(ds.ids);
    const ts = ds.timestamps;
    const vals = ds.values;
    t0 = now();
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
    figures.engine_insert_points_per_s = Math.round(total / (insMs / 1000));
    log(`engine insert (buffer → hot chunks + durable LMDB WAL): ${(figures.engine_insert_points_per_s / 1e6).toFixed(2)} M points/s`);

    engine.sealByAge(Infinity);
    t0 = now();
    await engine.compactToWarm();
    figures.compact_to_warm_ms = Math.round(now() - t0);
    let warmBytes = 0;
    for (let p = 0; p < 4; p++) warmBytes += dirBytes(path.join(dir, 'warm', `p${p}`));
    figures.warm_bytes_per_sample = +(warmBytes / total).toFixed(3);
    log(`warm: ${figures.warm_bytes_per_sample} B/sample (${warmBytes.toLocaleString()} bytes, compaction ${figures.compact_to_warm_ms} ms)`);

    const start = ts[0]!;
    const end = start + 3600_000 - 1;
    const readLatency = (read: (id: bigint) => number): { p50: number; p99: number } => {
      for (let i = 0; i < 200; i++) read(ids[i % SERIES]!); // warm-up (JIT, page faults)
      const lat: number[] = [];
      let seed = 12345;
      for (let i = 0; i < READS; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const id = ids[seed % SERIES]!;
        const a = now();
        const n = read(id);
        lat.push(now() - a);
        if (n !== Math.min(POINTS, 3600)) throw new Error(`read ${n} points`);
      }
      lat.sort((x, y) => x - y);
      return { p50: percentile(lat, 0.5), p99: percentile(lat, 0.99) };
    };
    const warmLat = readLatency((id) => {
      let n = 0;
      for (const r of engine.partition(Number(id % 4n)).warm.values()) for (const c of r.read(id, start, end)) n += c.timestamps.length;
      return n;
    });
    figures.warm_read_hour_p50_ms = +warmLat.p50.toFixed(4);
    figures.warm_read_hour_p99_ms = +warmLat.p99.toFixed(4);
    log(`warm read of one series' hour: p50 ${figures.warm_read_hour_p50_ms} ms, p99 ${figures.warm_read_hour_p99_ms} ms`);

    t0 = now();
    await engine.compactToCold();
    figures.compact_to_cold_ms = Math.round(now() - t0);
    let coldBytes = 0;
    for (let p = 0; p < 4; p++) coldBytes += dirBytes(path.join(dir, 'cold', `p${p}`));
    figures.cold_bytes_per_sample = +(coldBytes / total).toFixed(3);
    log(`cold: ${figures.cold_bytes_per_sample} B/sample (${coldBytes.toLocaleString()} bytes, compaction ${figures.compact_to_cold_ms} ms)`);
    const coldLat = readLatency((id) => {
      let n = 0;
      for (const r of engine.partition(Number(id % 4n)).cold.values()) n += r.read(id, start, end)?.timestamps.length ?? 0;
      return n;
    });
    figures.cold_read_hour_p50_ms = +coldLat.p50.toFixed(4);
    figures.cold_read_hour_p99_ms = +coldLat.p99.toFixed(4);
    log(`cold read of one series' hour: p50 ${figures.cold_read_hour_p50_ms} ms, p99 ${figures.cold_read_hour_p99_ms} ms`);

    const engLat = readLatency((id) => engine.query(id, start, end).timestamps.length);
    figures.engine_query_hour_p50_ms = +engLat.p50.toFixed(4);
    figures.engine_query_hour_p99_ms = +engLat.p99.toFixed(4);
    log(`engine.query of one series' hour (all tiers): p50 ${figures.engine_query_hour_p50_ms} ms, p99 ${figures.engine_query_hour_p99_ms} ms`);
    if (engine.warnings.total > 0) throw new Error(`unexpected warnings: ${engine.warnings.list()[0]?.message}`);
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
