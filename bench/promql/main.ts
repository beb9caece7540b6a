// PromQL benchmark: 10,000 series × 3,600 points (1,000 containers, one hour at 1 s) from
// @ztsdb/synthetic in warm files (as after compaction), served by the real query service
// (Nest, HTTP on 127.0.0.1, catalog replayed from a real manifest stream), side by side with
// Prometheus 2.42 holding the same data (prometheus-side.ts). The issue's five queries through
// /api/v1/query_range of each: p50 and p99 over 50 runs each, and the first run apart (for
// ztsdb the decoded-points cache cold); then `sum(container_cpu_usage)` again with ztsdb's
// decoded cache emptied before every run (BENCH_COLD_RUNS). A run is timed to the answer's
// last byte; the client parses it afterwards (every answer is checked). Scale with BENCH_SERIES /
// BENCH_POINTS / BENCH_RUNS (BENCH_WARMUP untimed runs first; BENCH_CLIENT_WARMUP runs of this
// process's HTTP client against a canned answer before any timed run, default 500), size the decoded cache with ZTSDB_QUERY_DECODED_CACHE_BYTES
// (0 turns it off); BENCH_PROMETHEUS=0 leaves Prometheus out (for profiling ztsdb alone);
// BENCH_QUERIES=label,… runs only those queries; BENCH_TIER=cold stores the data in cold
// files (as after the warm→cold merge) instead of warm ones, which the service opens and
// checks in the background before the first request. BENCH_QUERY_PROCESS=1 runs the query
// service as a `ztsdb query` process of its own (as it is deployed, and as Prometheus runs) and
// reports its CPU per request from /proc/<pid>/task/*/schedstat instead of this process's (warm
// tier only: the runs with the decoded cache emptied need the service in this process);
// BENCH_QUERY_ROOT=<checkout> runs that checkout's build as the query process, and
// BENCH_QUERY_NODE_ARGS gives it node flags (a CPU profile: `--cpu-prof --cpu-prof-dir=D`; V8
// flags). BENCH_TIMES=1 prints every timed run's time, in order (how the JIT's warm-up and GC
// show over the runs). Beside each p50: each server's own mean time per timed run, from its
// latency histogram on /metrics, and the exchange floor, p50 of this client against a process
// that only sends the same answer's bytes (what no server's work can go below), through
// node:http and from a raw socket; with Prometheus, what half its p50 leaves above the latter.
// Last line: one JSON object.
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { encodeChunk } from '@ztsdb/chunkenc';
import { ensureTopology, manifestSubject, resolvePartitions } from '@ztsdb/bus';
import { loadSettings } from '@ztsdb/config';
import { writeFileAtomic } from '@ztsdb/fileutil';
import { addedEvent } from '@ztsdb/manifest';
import { partitionOf, seriesKey, seriesLabels, parseSeriesName } from '@ztsdb/model';
import { generateDataset, type Dataset } from '@ztsdb/synthetic';
import { NatsServer, tempDir } from '@ztsdb/testing';
import {
  coldFileName,
  encodeColdFile,
  encodeWarmSegment,
  HotState,
  warmFileName,
  type SealedChunk,
} from '@ztsdb/tsdb';
import { encodeManifestEvent, manifestEventId } from '@ztsdb/wire';
import { HotExtentPublisher } from '../../apps/ingestor/src/hot-extent';
import { HotReplyServer } from '../../apps/ingestor/src/hot-reply-server';
import { bootstrapQuery } from '../../apps/query/src/bootstrap';
import { QueryService } from '../../apps/query/src/query.service';
import { startPrometheus, writeOpenMetrics, type RunningPrometheus } from './prometheus-side';
import { QueryProcess } from './query-process';
import {
  exchangeFloor,
  meanServerMs,
  measure,
  serverTime,
  warmClient,
  type ServerTime,
} from './timed-requests';

const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 3_600);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
/** Untimed runs of each query before its timed ones, on both servers (0: the first timed runs include the JIT's warm-up). */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 0);
/** The query service's decoded cache (ZTSDB_QUERY_DECODED_CACHE_BYTES; 0 turns it off). */
const CACHE_BYTES = Number(process.env.ZTSDB_QUERY_DECODED_CACHE_BYTES ?? 64 * 1024 * 1024);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 20);
/** Runs of the benchmark's own HTTP client against a canned answer before any timed run (0: none). */
const CLIENT_WARMUP = Number(process.env.BENCH_CLIENT_WARMUP ?? 500);
const WITH_PROMETHEUS = process.env.BENCH_PROMETHEUS !== '0';
const ONLY = process.env.BENCH_QUERIES?.split(',').filter((q) => q !== '');
const TIER: 'warm' | 'cold' = process.env.BENCH_TIER === 'cold' ? 'cold' : 'warm';
/** The query service as a process of its own, its CPU per request measured apart. */
const QUERY_PROCESS = process.env.BENCH_QUERY_PROCESS === '1';
/** ZTSDB_HOT_EXTENT_MAX_AGE_MS for the owners and the query service (0: every query asks the owners). */
const EXTENT_MAX_AGE_MS = Number(process.env.ZTSDB_HOT_EXTENT_MAX_AGE_MS ?? 2000);
const PARTITIONS = 4;
/** The compactor's cold window (two hours, its default): the hour of data lies in one. */
const COLD_WINDOW_MS = 2 * 3_600_000;
const IMAGES = 10;

const log = (m: string): void => void process.stdout.write(`${m}\n`);
const ms = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Each server's own latency histogram of query_range requests on its /metrics. */
const ZTSDB_TIME = ['ztsdb_promql_duration_seconds', 'endpoint="query_range"'] as const;
const PROM_TIME = [
  'prometheus_http_request_duration_seconds',
  'handler="/api/v1/query_range"',
] as const;

const ztsdbAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const promAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** Every series in one warm (or cold, BENCH_TIER) file per partition, recorded in the manifest stream. */
async function writeFiles(ds: Dataset, dataDir: string, nc: NatsConnection): Promise<void> {
  const js = jetstream(nc);
  const minT = ds.timestamps[0]!;
  const maxT = ds.timestamps[ds.timestamps.length - 1]!;
  const windowStart = Math.floor(minT / COLD_WINDOW_MS) * COLD_WINDOW_MS;
  for (let p = 0; p < PARTITIONS; p++) {
    const chunks: SealedChunk[] = [];
    for (let s = 0; s < ds.ids.length; s++) {
      if (partitionOf(ds.ids[s]!, PARTITIONS) !== p) continue;
      chunks.push({
        seriesId: ds.ids[s]!,
        minT,
        maxT,
        count: POINTS,
        version: 1,
        bytes: TIER === 'warm' ? encodeChunk(ds.timestamps, ds.values[s]!) : new Uint8Array(0),
      });
    }
    const valuesOf = new Map(Array.from(ds.ids, (id, s) => [id, ds.values[s]!]));
    const file =
      TIER === 'warm'
        ? `warm/p${p}/${warmFileName(1)}`
        : `cold/p${p}/${coldFileName(windowStart, 1)}`;
    const pieces =
      TIER === 'warm'
        ? encodeWarmSegment(p, chunks)
        : encodeColdFile(
            { partition: p, windowStart, windowEnd: windowStart + COLD_WINDOW_MS },
            chunks.map((c) => ({
              seriesId: c.seriesId,
              version: 1,
              timestamps: ds.timestamps,
              values: valuesOf.get(c.seriesId)!,
            })),
          );
    fs.mkdirSync(path.dirname(path.join(dataDir, file)), { recursive: true });
    await writeFileAtomic(path.join(dataDir, file), pieces);
    const e = addedEvent(`${TIER}-added`, p, file, pieces, {
      minT,
      maxT,
      seriesCount: chunks.length,
      points: chunks.length * POINTS,
    });
    await js.publish(manifestSubject(p), encodeManifestEvent(e), { msgID: manifestEventId(e) });
  }
}

async function main(): Promise<void> {
  const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
  let t0 = ms();
  const ds = generateDataset(SERIES, POINTS, 1000, start);
  log(`dataset: ${SERIES} series × ${POINTS} points (${((ms() - t0) / 1000).toFixed(1)} s)`);
  const server = await NatsServer.start();
  const data = tempDir('ztsdb-bench-promql-');
  const nc = await connect({ servers: server.url, maxPingOut: 10 });
  let app: INestApplication | undefined;
  let queryProcess: QueryProcess | undefined;
  let prom: RunningPrometheus | undefined;
  const figures: Record<string, number | string> = {
    series: SERIES,
    points_per_series: POINTS,
    runs: RUNS,
    warmup_runs: WARMUP,
    client_warmup_runs: CLIENT_WARMUP,
    decoded_cache_bytes: CACHE_BYTES,
    hot_extent_max_age_ms: EXTENT_MAX_AGE_MS,
    tier: TIER,
  };
  try {
    const topo = await ensureTopology(nc);
    await resolvePartitions(topo.config, PARTITIONS);
    t0 = ms();
    const puts: Array<Promise<unknown>> = [];
    const labelsOf: Array<Record<string, string>> = [];
    let firstId = '';
    for (let s = 0; s < ds.names.length; s++) {
      const parsed = parseSeriesName(ds.names[s]!)!;
      firstId ||= parsed.containerId;
      const n = parseInt(parsed.containerId.slice(-4), 16);
      const key = seriesKey(ds.ids[s]!);
      const labels = seriesLabels(parsed.metric, {
        id: parsed.containerId,
        image: `image-${n % IMAGES}`,
        runtime: 'docker',
      });
      labelsOf.push(labels);
      puts.push(
        topo.series.put(
          key,
          JSON.stringify({ id: key, name: ds.names[s], labels, active: true, updatedMs: 0 }),
        ),
      );
      if (puts.length >= 500) await Promise.all(puts.splice(0));
    }
    await Promise.all(puts);
    // Owners that have handed everything on to warm files, as after compaction: their heads
    // are empty, and they announce so (as an ingestor does) before answering.
    const extents: HotExtentPublisher[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const head = new HotState(p, 2 * 3_600_000);
      const extent = new HotExtentPublisher(
        nc,
        p,
        'bench-owner',
        EXTENT_MAX_AGE_MS / 4,
        () => head,
      );
      extent.start();
      extents.push(extent);
      new HotReplyServer(nc, p, (ids) =>
        ids.map((id) => ({ id, timestamps: new Float64Array(0), values: new Float64Array(0) })),
      ).start();
    }
    await writeFiles(ds, data.path, nc);
    log(`stored in ${TIER} files in ${((ms() - t0) / 1000).toFixed(1)} s`);
    if (WITH_PROMETHEUS) {
      t0 = ms();
      const om = path.join(data.path, 'prometheus.om');
      const bytes = await writeOpenMetrics(
        om,
        ds.values.map((values, s) => ({ labels: labelsOf[s]!, values })),
        ds.timestamps,
      );
      log(
        `OpenMetrics text: ${(bytes / 2 ** 30).toFixed(2)} GiB in ${((ms() - t0) / 1000).toFixed(1)} s`,
      );
      t0 = ms();
      prom = await startPrometheus(path.join(data.path, 'prometheus'), om);
      log(`Prometheus 2.42 loaded (promtool) and ready in ${((ms() - t0) / 1000).toFixed(1)} s`);
    }
    const port = 19_780 + Math.floor(Math.random() * 200);
    const serviceSettings = {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_LOG_LEVEL: 'warn',
      ZTSDB_HOT_TIMEOUT_MS: '10000',
      ZTSDB_QUERY_TIMEOUT_MS: '120000',
      ZTSDB_QUERY_DECODED_CACHE_BYTES: String(CACHE_BYTES),
      ZTSDB_HOT_EXTENT_MAX_AGE_MS: String(EXTENT_MAX_AGE_MS),
    };
    if (QUERY_PROCESS) {
      if (TIER === 'cold')
        throw new Error('BENCH_QUERY_PROCESS=1 measures the warm tier only (unset BENCH_TIER)');
      queryProcess = await QueryProcess.start(serviceSettings, port);
      figures.query_process = 1;
    } else app = await bootstrapQuery(loadSettings(serviceSettings));
    const first = ds.timestamps[0]! / 1000;
    const last = ds.timestamps[ds.timestamps.length - 1]! / 1000;
    const range = { start: String(first), end: String(last) };
    const queries: Array<[string, Record<string, string>]> = [
      [
        'one_container_1s',
        { query: `container_cpu_usage{container_id="${firstId}"}`, ...range, step: '1' },
      ],
      ['sum_cpu_60s', { query: 'sum(container_cpu_usage)', ...range, step: '60' }],
      [
        'sum_by_image_avg_over_time_60s',
        {
          query: 'sum by (image) (avg_over_time(container_net_rx_bytes[5m]))',
          ...range,
          step: '60',
        },
      ],
      [
        'topk5_avg_over_time_60s',
        { query: 'topk(5, avg_over_time(container_cpu_usage[5m]))', ...range, step: '60' },
      ],
      [
        'quantile_over_time_one_60s',
        {
          query: `quantile_over_time(0.99, container_cpu_usage{container_id="${firstId}"}[1m])`,
          ...range,
          step: '60',
        },
      ],
    ];
    const queriesService = app?.get(QueryService);
    // A running service has opened its cold files and checked their blocks by the time they
    // are queried (TieredStore.prepared), and warmed up its read paths (ZTSDB_QUERY_WARMUP);
    // the first request is sent once that is done here.
    t0 = ms();
    await queriesService?.store.prepared();
    await queriesService?.warmedUp;
    if (queriesService)
      log(`cold files opened and checked in ${((ms() - t0) / 1000).toFixed(2)} s`);
    const serverCpu = queryProcess ? () => queryProcess!.cpuUsage() : undefined;
    await warmClient(CLIENT_WARMUP);
    for (const [label, form] of queries) {
      if (ONLY && !ONLY.includes(label)) continue;
      let ourStart: ServerTime | undefined;
      const ours = await measure(label, ztsdbAgent, port, form, RUNS, {
        warmup: WARMUP,
        serverCpu,
        afterFirst: async () => void (ourStart = await serverTime(port, ...ZTSDB_TIME)),
      });
      const ourServerMs = meanServerMs(ourStart!, await serverTime(port, ...ZTSDB_TIME));
      const ourFloor = await exchangeFloor(ours.answer, form, RUNS);
      const socketFloor = await exchangeFloor(ours.answer, form, RUNS, 'socket');
      figures[`${label}_server_mean_ms`] = ourServerMs;
      figures[`${label}_exchange_floor_p50_ms`] = ourFloor;
      figures[`${label}_socket_floor_p50_ms`] = socketFloor;
      figures[`${label}_first_ms`] = ours.first;
      figures[`${label}_p50_ms`] = ours.p50;
      figures[`${label}_p99_ms`] = ours.p99;
      figures[`${label}_cpu_p50_ms`] = ours.cpuP50;
      log(
        `ztsdb ${label} (${form.query}, ${ours.series} series): p50 ${ours.p50} ms, p99 ${ours.p99} ms (CPU p50 ${ours.cpuP50} ms) over ${RUNS} runs; first ${ours.first} ms; server's own mean ${ourServerMs} ms; exchange floor of its ${ours.answer.length}-byte answer ${ourFloor} ms (from a raw socket ${socketFloor} ms)`,
      );
      if (prom) {
        let theirStart: ServerTime | undefined;
        const theirs = await measure(`prometheus ${label}`, promAgent, prom.port, form, RUNS, {
          warmup: WARMUP,
          afterFirst: async () => void (theirStart = await serverTime(prom!.port, ...PROM_TIME)),
        });
        const theirServerMs = meanServerMs(theirStart!, await serverTime(prom.port, ...PROM_TIME));
        const theirFloor = await exchangeFloor(theirs.answer, form, RUNS);
        figures[`prometheus_${label}_server_mean_ms`] = theirServerMs;
        figures[`prometheus_${label}_exchange_floor_p50_ms`] = theirFloor;
        figures[`prometheus_${label}_first_ms`] = theirs.first;
        figures[`prometheus_${label}_p50_ms`] = theirs.p50;
        figures[`prometheus_${label}_p99_ms`] = theirs.p99;
        figures[`${label}_p50_vs_prometheus`] = Math.round((ours.p50 / theirs.p50) * 1000) / 1000;
        // What a p50 of half Prometheus' leaves for ztsdb's own work (reading, evaluating,
        // encoding, writing) above the least a Node process spends on the same exchange.
        const room = Math.round((theirs.p50 / 2 - socketFloor) * 1000) / 1000;
        figures[`${label}_half_prometheus_above_socket_floor_ms`] = room;
        log(
          `prometheus ${label} (${theirs.series} series): p50 ${theirs.p50} ms, p99 ${theirs.p99} ms over ${RUNS} runs; first ${theirs.first} ms; server's own mean ${theirServerMs} ms; exchange floor of its ${theirs.answer.length}-byte answer ${theirFloor} ms; ztsdb p50 / Prometheus p50 = ${figures[`${label}_p50_vs_prometheus`]}; half of Prometheus' p50 leaves ${room} ms above the raw-socket floor`,
        );
      }
    }
    if (queriesService) figures.hot_requests_skipped = queriesService.hot.skipped;
    if (queryProcess) {
      const m = queryProcess.memoryKiB();
      figures.query_process_vmhwm_kib = m.hwm;
      log(
        `ztsdb query process: VmHWM ${(m.hwm / 1024).toFixed(1)} MiB, VmRSS ${(m.rss / 1024).toFixed(1)} MiB`,
      );
    }
    if (queriesService && (!ONLY || ONLY.includes('sum_cpu_60s_cold'))) {
      // The decoded-points cache emptied before every run: each decodes 1,000 series' hour.
      const form = queries.find(([l]) => l === 'sum_cpu_60s')![1];
      const cold = await measure('sum cold', ztsdbAgent, port, form, COLD_RUNS, {
        before: () => queriesService.store.cache.clear(),
      });
      figures.sum_cpu_60s_cold_p50_ms = cold.p50;
      figures.sum_cpu_60s_cold_p99_ms = cold.p99;
      figures.sum_cpu_60s_cold_cpu_p50_ms = cold.cpuP50;
      log(
        `ztsdb sum_cpu_60s with the decoded cache emptied before each run: p50 ${cold.p50} ms, p99 ${cold.p99} ms (CPU p50 ${cold.cpuP50} ms) over ${COLD_RUNS} runs`,
      );
    } else if (queryProcess && (!ONLY || ONLY.includes('sum_cpu_60s_cold')))
      log(
        'sum_cpu_60s with the decoded cache emptied: not run (it needs the service in this process)',
      );
  } finally {
    await prom?.stop();
    await app?.close();
    await queryProcess?.stop();
    await nc.close();
    await server.stop();
    data.remove();
  }
  log(JSON.stringify(figures));
  process.exit(0);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
