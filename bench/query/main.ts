// Query benchmark: 10,000 series × 3,600 points (1 s) from @ztsdb/synthetic,
// stored in one tier at a time (cold files, warm files, hot), served by the
// real query service (Nest, HTTP on 127.0.0.1) with its catalog replayed from
// a real manifest stream. Measures one series' hour raw and the sum of the
// 1,000 container_cpu_usage series at a 60 s step: p50 and p99 over 50 runs.
// The hot tier is served by a responder in this process that speaks the
// ztsdb.hot.p.<n> protocol from memory (not the ingestor). Scale with
// BENCH_SERIES / BENCH_POINTS / BENCH_RUNS. Last line: one JSON object.
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { INestApplication } from '@nestjs/common';
import { encodeChunk } from '@ztsdb/chunkenc';
import { ensureTopology, manifestSubject, resolvePartitions } from '@ztsdb/bus';
import { loadSettings } from '@ztsdb/config';
import { writeFileAtomic } from '@ztsdb/fileutil';
import { partitionOf, seriesKey, seriesLabels, parseSeriesName } from '@ztsdb/model';
import { generateDataset, type Dataset } from '@ztsdb/synthetic';
import { NatsServer, tempDir } from '@ztsdb/testing';
import { coldFileName, encodeColdFile, encodeWarmSegment, warmFileName, type SealedChunk } from '@ztsdb/tsdb';
import { encodeHotReply, encodeManifestEvent, manifestEventId, type SeriesPoints } from '@ztsdb/wire';
import { addedEvent } from '../../apps/compactor/src/file-events';
import { bootstrapQuery } from '../../apps/query/src/bootstrap';

const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 3_600);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const PARTITIONS = 4;

const log = (m: string): void => void process.stdout.write(`${m}\n`);
const ms = (): number => Number(process.hrtime.bigint()) / 1e6;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(s.length * p))]! * 1000) / 1000;
};

type Tier = 'cold' | 'warm' | 'hot';

async function writeTier(tier: 'cold' | 'warm', ds: Dataset, dataDir: string, nc: NatsConnection): Promise<void> {
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
        { partition: p, windowStart: Math.floor(minT / 86_400_000) * 86_400_000, windowEnd: Math.floor(minT / 86_400_000) * 86_400_000 + 86_400_000 },
        idx.map((s) => ({ seriesId: ds.ids[s]!, version: 1, timestamps: ds.timestamps, values: ds.values[s]! })),
      );
    } else {
      file = `warm/p${p}/${warmFileName(1)}`;
      const chunks: SealedChunk[] = idx.map((s) => ({ seriesId: ds.ids[s]!, minT, maxT, count: POINTS, version: 1, bytes: encodeChunk(ds.timestamps, ds.values[s]!) }));
      pieces = encodeWarmSegment(p, chunks);
    }
    fs.mkdirSync(path.dirname(path.join(dataDir, file)), { recursive: true });
    await writeFileAtomic(path.join(dataDir, file), pieces);
    const e = addedEvent(tier === 'cold' ? 'cold-added' : 'warm-added', p, file, pieces, { minT, maxT, seriesCount: idx.length, points: idx.length * POINTS });
    await js.publish(manifestSubject(p), encodeManifestEvent(e), { msgID: manifestEventId(e) });
  }
}

function serveHot(nc: NatsConnection, ds: Dataset): void {
  const index = new Map<string, number>();
  for (let s = 0; s < ds.ids.length; s++) index.set(seriesKey(ds.ids[s]!), s);
  nc.subscribe('ztsdb.hot.p.*', {
    callback: (_e, msg) => {
      const req = JSON.parse(msg.string()) as { ids: string[]; start: number; end: number };
      const series: SeriesPoints[] = [];
      for (const id of req.ids) {
        const s = index.get(id);
        if (s !== undefined) series.push({ id: ds.ids[s]!, timestamps: ds.timestamps, values: ds.values[s]! });
      }
      try {
        msg.respond(encodeHotReply({ partition: Number(msg.subject.split('.').pop()), series }));
      } catch (e) {
        const h = (await_headers());
        h.set('Ztsdb-Error', (e as Error).message);
        msg.respond(new Uint8Array(0), { headers: h });
      }
    },
  });
}

// Lazily imported to keep the top of the file readable.
function await_headers() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@nats-io/transport-node') as typeof import('@nats-io/transport-node')).headers();
}

async function phase(tier: Tier, ds: Dataset, port: number): Promise<Record<string, number | string>> {
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
      puts.push(topo.series.put(key, JSON.stringify({ id: key, name, labels: seriesLabels(parsed.metric, { id: parsed.containerId, runtime: 'docker' }), active: true, updatedMs: Date.now() })));
      if (puts.length >= 500) await Promise.all(puts.splice(0));
    }
    await Promise.all(puts);
    if (tier === 'hot') serveHot(nc, ds);
    else await writeTier(tier, ds, data.path, nc);
    log(`${tier}: ${ds.names.length} series registered and stored in ${((ms() - t0) / 1000).toFixed(1)} s`);
    const settings = loadSettings({
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_LOG_LEVEL: 'warn',
      ZTSDB_QUERY_MAX_POINTS: '100000000',
      ZTSDB_HOT_TIMEOUT_MS: '10000',
    });
    t0 = ms();
    app = await bootstrapQuery(settings);
    log(`${tier}: query service ready in ${(ms() - t0).toFixed(0)} ms`);
    const first = ds.timestamps[0]!;
    const last = ds.timestamps[ds.timestamps.length - 1]!;
    const one = `http://127.0.0.1:${port}/query?series=${ds.names[0]}&start=${first}&end=${last}`;
    const sum = `http://127.0.0.1:${port}/query?match=container_cpu_usage&agg=sum&step=60s&start=${first}&end=${last}`;
    const out: Record<string, number | string> = {};
    for (const [label, url, check] of [
      ['one_series_hour', one, (b: any) => b.points?.length === POINTS],
      ['sum_1000_series_60s', sum, (b: any) => b.result?.[0]?.series === Math.ceil(SERIES / 10) && b.result[0].points.length === Math.floor((last - first) / 60_000) + 1],
    ] as const) {
      const times: number[] = [];
      let ok = true;
      let note = '';
      for (let i = 0; i < RUNS + 5; i++) {
        const t = ms();
        const res = await fetch(url);
        const body = await res.json();
        const dt = ms() - t;
        if (!check(body)) {
          ok = false;
          note = JSON.stringify(body).slice(0, 300);
          break;
        }
        if (i >= 5) times.push(dt);
      }
      if (!ok) {
        log(`${tier} ${label}: FAILED (${note})`);
        out[`${tier}_${label}`] = `failed: ${note.slice(0, 160)}`;
        continue;
      }
      out[`${tier}_${label}_p50_ms`] = pct(times, 0.5);
      out[`${tier}_${label}_p99_ms`] = pct(times, 0.99);
      log(`${tier} ${label}: p50 ${pct(times, 0.5)} ms, p99 ${pct(times, 0.99)} ms over ${RUNS} runs`);
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
  log(`dataset: ${SERIES} series × ${POINTS} points = ${(SERIES * POINTS).toLocaleString('en-US')} points (${((ms() - t0) / 1000).toFixed(1)} s)`);
  const figures: Record<string, number | string> = { series: SERIES, points_per_series: POINTS, runs: RUNS };
  const port = 19_280 + Math.floor(Math.random() * 500);
  for (const tier of ['cold', 'warm', 'hot'] as const) Object.assign(figures, await phase(tier, ds, port));
  log(JSON.stringify(figures));
  process.exit(0);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
