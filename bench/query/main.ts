// Query benchmark: 10,000 series × 3,600 points (1 s) from @ztsdb/synthetic,
// stored in one tier at a time (cold files, warm files, hot), served by the
// real query service (Nest, HTTP on 127.0.0.1) with its catalog replayed from
// a real manifest stream. Measures one series' hour raw and the sum of the
// 1,000 container_cpu_usage series at a 60 s step: p50 and p99 over 50 runs.
// The hot tier is served in this process by the ingestor's HotReplyServer
// (the same code that answers ztsdb.hot.p.<n>) over points held in memory. Scale with
// BENCH_SERIES / BENCH_POINTS / BENCH_RUNS, the decoded cache with
// ZTSDB_QUERY_DECODED_CACHE_BYTES (0 turns it off). Last line: one JSON object.
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
  lowerBound,
  upperBound,
  warmFileName,
  type SealedChunk,
} from '@ztsdb/tsdb';
import { encodeManifestEvent, manifestEventId, type SeriesPoints } from '@ztsdb/wire';
import { HotReplyServer } from '../../apps/ingestor/src/hot-reply-server';
import { bootstrapQuery } from '../../apps/query/src/bootstrap';
import { QueryService } from '../../apps/query/src/query.service';

const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 3_600);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
/** The query service's decoded cache (ZTSDB_QUERY_DECODED_CACHE_BYTES; 0 turns it off). */
const CACHE_BYTES = Number(process.env.ZTSDB_QUERY_DECODED_CACHE_BYTES ?? 64 * 1024 * 1024);
const PARTITIONS = 4;

const log = (m: string): void => void process.stdout.write(`${m}\n`);
const ms = (): number => Number(process.hrtime.bigint()) / 1e6;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(s.length * p))]! * 1000) / 1000;
};

type Tier = 'cold' | 'warm' | 'hot';

/** A plain HTTP/1.1 client on one kept-alive connection, as a dashboard or curl would be: GET, read, JSON.parse. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
/** The fields of an answer the benchmark checks. */
interface QueryBody {
  points?: unknown[];
  result?: Array<{ series: number; points: unknown[] }>;
  missingPartitions?: unknown[];
}

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (e) {
            reject(e as Error);
          }
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function writeTier(
  tier: 'cold' | 'warm',
  ds: Dataset,
  dataDir: string,
  nc: NatsConnection,
): Promise<void> {
  const js = jetstream(nc);
  const byPart = new Map<number, number[]>();
  for (let s = 0; s < ds.ids.length; s++) {
    const p = partitionOf(ds.ids[s]!, PARTITIONS);
    let l = byPart.get(p);
    if (!l) byPart.set(p, (l = []));
    l.push(s);
  }
  const minT = ds.timestamps[0]!;
  const maxT = ds.timestamps[ds.timestamps.length - 1]!;
  for (const [p, idx] of byPart) {
    let file: string;
    let pieces: Uint8Array[];
    if (tier === 'cold') {
      file = `cold/p${p}/${coldFileName(Math.floor(minT / 86_400_000) * 86_400_000, p + 1)}`;
      pieces = encodeColdFile(
        {
          partition: p,
          windowStart: Math.floor(minT / 86_400_000) * 86_400_000,
          windowEnd: Math.floor(minT / 86_400_000) * 86_400_000 + 86_400_000,
        },
        idx.map((s) => ({
          seriesId: ds.ids[s]!,
          version: 1,
          timestamps: ds.timestamps,
          values: ds.values[s]!,
        })),
      );
    } else {
      file = `warm/p${p}/${warmFileName(1)}`;
      const chunks: SealedChunk[] = idx.map((s) => ({
        seriesId: ds.ids[s]!,
        minT,
        maxT,
        count: POINTS,
        version: 1,
        bytes: encodeChunk(ds.timestamps, ds.values[s]!),
      }));
      pieces = encodeWarmSegment(p, chunks);
    }
    fs.mkdirSync(path.dirname(path.join(dataDir, file)), { recursive: true });
    await writeFileAtomic(path.join(dataDir, file), pieces);
    const e = addedEvent(tier === 'cold' ? 'cold-added' : 'warm-added', p, file, pieces, {
      minT,
      maxT,
      seriesCount: idx.length,
      points: idx.length * POINTS,
    });
    await js.publish(manifestSubject(p), encodeManifestEvent(e), { msgID: manifestEventId(e) });
  }
}

/**
 * Partition owners: the ingestor's own answerer of ztsdb.hot.p.<n>, over the
 * dataset held in memory (hot phase) or over nothing (cold and warm phases,
 * where the owners have handed everything on, as after compaction).
 */
function serveHot(nc: NatsConnection, ds: Dataset, holding: boolean): HotReplyServer[] {
  const index = new Map<bigint, number>();
  if (holding) for (let s = 0; s < ds.ids.length; s++) index.set(ds.ids[s]!, s);
  const ts = ds.timestamps;
  const query = (ids: bigint[], start: number, end: number): SeriesPoints[] => {
    const lo = lowerBound(ts, start);
    const hi = upperBound(ts, end, lo);
    return ids.map((id) => {
      const s = index.get(id);
      const vs = s === undefined ? new Float64Array(0) : ds.values[s]!;
      return s === undefined
        ? { id, timestamps: vs, values: vs }
        : { id, timestamps: ts.subarray(lo, hi), values: vs.subarray(lo, hi) };
    });
  };
  const servers: HotReplyServer[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const r = new HotReplyServer(nc, p, query);
    r.start();
    servers.push(r);
  }
  return servers;
}

async function phase(
  tier: Tier,
  ds: Dataset,
  port: number,
): Promise<Record<string, number | string>> {
  const server = await NatsServer.start();
  const data = tempDir('ztsdb-bench-query-');
  const nc = await connect({ servers: server.url, maxPingOut: 10 });
  let app: INestApplication | undefined;
  try {
    const topo = await ensureTopology(nc);
    await resolvePartitions(topo.config, PARTITIONS);
    let t0 = ms();
    const puts: Array<Promise<unknown>> = [];
    for (let s = 0; s < ds.names.length; s++) {
      const name = ds.names[s]!;
      const parsed = parseSeriesName(name)!;
      const key = seriesKey(ds.ids[s]!);
      puts.push(
        topo.series.put(
          key,
          JSON.stringify({
            id: key,
            name,
            labels: seriesLabels(parsed.metric, { id: parsed.containerId, runtime: 'docker' }),
            active: true,
            updatedMs: Date.now(),
          }),
        ),
      );
      if (puts.length >= 500) await Promise.all(puts.splice(0));
    }
    await Promise.all(puts);
    serveHot(nc, ds, tier === 'hot');
    if (tier !== 'hot') await writeTier(tier, ds, data.path, nc);
    log(
      `${tier}: ${ds.names.length} series registered and stored in ${((ms() - t0) / 1000).toFixed(1)} s`,
    );
    const settings = loadSettings({
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_LOG_LEVEL: 'warn',
      ZTSDB_QUERY_MAX_POINTS: '100000000',
      ZTSDB_HOT_TIMEOUT_MS: '10000',
      ZTSDB_QUERY_DECODED_CACHE_BYTES: String(CACHE_BYTES),
    });
    t0 = ms();
    app = await bootstrapQuery(settings);
    log(`${tier}: query service ready in ${(ms() - t0).toFixed(0)} ms`);
    const first = ds.timestamps[0]!;
    const last = ds.timestamps[ds.timestamps.length - 1]!;
    const oneParams = { series: ds.names[0]!, start: String(first), end: String(last) };
    const sumParams = {
      match: 'container_cpu_usage',
      agg: 'sum',
      step: '60s',
      start: String(first),
      end: String(last),
    };
    const url = (p: Record<string, string>): string =>
      `http://127.0.0.1:${port}/query?${new URLSearchParams(p).toString()}`;
    const service = app.get(QueryService);
    const out: Record<string, number | string> = {};
    for (const [label, params, check] of [
      ['one_series_hour', oneParams, (b: QueryBody) => b.points?.length === POINTS],
      [
        'sum_1000_series_60s',
        sumParams,
        (b: QueryBody) =>
          b.result?.[0]?.series === Math.ceil(SERIES / 10) &&
          b.result[0].points.length === Math.floor((last - first) / 60_000) + 1,
      ],
    ] as const) {
      const times: number[] = [];
      let ok = true;
      let note = '';
      for (let i = 0; i < RUNS + 5; i++) {
        const t = ms();
        const body = (await getJson(url(params))) as QueryBody;
        const dt = ms() - t;
        if (!check(body) || body.missingPartitions !== undefined) {
          ok = false;
          note = JSON.stringify(body).slice(0, 300);
          break;
        }
        // The first run decodes from the files; later ones may find the decoded points cached.
        if (i === 0) out[`${tier}_${label}_first_ms`] = Math.round(dt * 1000) / 1000;
        if (i >= 5) times.push(dt);
      }
      // The same query inside the service (no HTTP, no client-side JSON parse), for attribution.
      const inside: number[] = [];
      for (let i = 0; ok && i < RUNS; i++) {
        const t = ms();
        await service.queryBuffer(params);
        inside.push(ms() - t);
      }
      if (ok) out[`${tier}_${label}_service_p50_ms`] = pct(inside, 0.5);
      if (!ok) {
        log(`${tier} ${label}: FAILED (${note})`);
        out[`${tier}_${label}`] = `failed: ${note.slice(0, 160)}`;
        continue;
      }
      out[`${tier}_${label}_p50_ms`] = pct(times, 0.5);
      out[`${tier}_${label}_p99_ms`] = pct(times, 0.99);
      log(
        `${tier} ${label}: p50 ${pct(times, 0.5)} ms, p99 ${pct(times, 0.99)} ms over ${RUNS} runs (first ${out[`${tier}_${label}_first_ms`]} ms; inside the service p50 ${pct(inside, 0.5)} ms)`,
      );
    }
    return out;
  } finally {
    await app?.close();
    await nc.close();
    await server.stop();
    data.remove();
  }
}

async function main(): Promise<void> {
  const t0 = ms();
  const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
  const ds = generateDataset(SERIES, POINTS, 1000, start);
  log(
    `dataset: ${SERIES} series × ${POINTS} points = ${(SERIES * POINTS).toLocaleString('en-US')} points (${((ms() - t0) / 1000).toFixed(1)} s)`,
  );
  const figures: Record<string, number | string> = {
    series: SERIES,
    points_per_series: POINTS,
    runs: RUNS,
    decoded_cache_bytes: CACHE_BYTES,
  };
  const port = 19_280 + Math.floor(Math.random() * 500);
  for (const tier of ['cold', 'warm', 'hot'] as const)
    Object.assign(figures, await phase(tier, ds, port));
  log(JSON.stringify(figures));
  process.exit(0);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
