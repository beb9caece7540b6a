// PromQL benchmark: 10,000 series × 3,600 points (1,000 containers, one hour at 1 s) from
// @ztsdb/synthetic in warm files (as after compaction), served by the real query service
// (Nest, HTTP on 127.0.0.1, catalog replayed from a real manifest stream). The issue's five
// queries through /api/v1/query_range: p50 and p99 over 50 runs each, and the first run
// apart (the decoded-points cache cold). Scale with BENCH_SERIES / BENCH_POINTS / BENCH_RUNS.
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
import { encodeWarmSegment, warmFileName, type SealedChunk } from '@ztsdb/tsdb';
import { encodeManifestEvent, manifestEventId } from '@ztsdb/wire';
import { HotReplyServer } from '../../apps/ingestor/src/hot-reply-server';
import { bootstrapQuery } from '../../apps/query/src/bootstrap';

const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const POINTS = Number(process.env.BENCH_POINTS ?? 3_600);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const PARTITIONS = 4;
const IMAGES = 10;

const log = (m: string): void => void process.stdout.write(`${m}\n`);
const ms = (): number => Number(process.hrtime.bigint()) / 1e6;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(s.length * p))]! * 1000) / 1000;
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** A form-encoded POST, as Grafana sends query_range; resolves with the parsed answer. */
function post(
  port: number,
  form: Record<string, string>,
): Promise<{ status: string; data?: { result: unknown[] } }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/query_range',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
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
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Every series in one warm file per partition, recorded in the manifest stream. */
async function writeWarm(ds: Dataset, dataDir: string, nc: NatsConnection): Promise<void> {
  const js = jetstream(nc);
  const minT = ds.timestamps[0]!;
  const maxT = ds.timestamps[ds.timestamps.length - 1]!;
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
        bytes: encodeChunk(ds.timestamps, ds.values[s]!),
      });
    }
    const file = `warm/p${p}/${warmFileName(1)}`;
    const pieces = encodeWarmSegment(p, chunks);
    fs.mkdirSync(path.dirname(path.join(dataDir, file)), { recursive: true });
    await writeFileAtomic(path.join(dataDir, file), pieces);
    const e = addedEvent('warm-added', p, file, pieces, {
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
  const figures: Record<string, number | string> = {
    series: SERIES,
    points_per_series: POINTS,
    runs: RUNS,
  };
  try {
    const topo = await ensureTopology(nc);
    await resolvePartitions(topo.config, PARTITIONS);
    t0 = ms();
    const puts: Array<Promise<unknown>> = [];
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
      puts.push(
        topo.series.put(
          key,
          JSON.stringify({ id: key, name: ds.names[s], labels, active: true, updatedMs: 0 }),
        ),
      );
      if (puts.length >= 500) await Promise.all(puts.splice(0));
    }
    await Promise.all(puts);
    // Owners that have handed everything on to warm files, as after compaction.
    for (let p = 0; p < PARTITIONS; p++)
      new HotReplyServer(nc, p, (ids) =>
        ids.map((id) => ({ id, timestamps: new Float64Array(0), values: new Float64Array(0) })),
      ).start();
    await writeWarm(ds, data.path, nc);
    log(`stored in warm files in ${((ms() - t0) / 1000).toFixed(1)} s`);
    const port = 19_780 + Math.floor(Math.random() * 200);
    app = await bootstrapQuery(
      loadSettings({
        NATS_URL: server.url,
        ZTSDB_DATA_DIR: data.path,
        ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
        ZTSDB_LOG_LEVEL: 'warn',
        ZTSDB_HOT_TIMEOUT_MS: '10000',
        ZTSDB_QUERY_TIMEOUT_MS: '120000',
      }),
    );
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
    for (const [label, form] of queries) {
      const times: number[] = [];
      let series = 0;
      for (let i = 0; i < RUNS + 1; i++) {
        const t = ms();
        const body = await post(port, form);
        const dt = ms() - t;
        if (body.status !== 'success')
          throw new Error(`${label}: ${JSON.stringify(body).slice(0, 300)}`);
        series = body.data!.result.length;
        // The first run decodes from the files; later ones find the decoded points cached.
        if (i === 0) figures[`${label}_first_ms`] = Math.round(dt * 1000) / 1000;
        else times.push(dt);
      }
      figures[`${label}_p50_ms`] = pct(times, 0.5);
      figures[`${label}_p99_ms`] = pct(times, 0.99);
      log(
        `${label} (${form.query}, ${series} series): p50 ${pct(times, 0.5)} ms, p99 ${pct(times, 0.99)} ms over ${RUNS} runs; first ${figures[`${label}_first_ms`]} ms`,
      );
    }
  } finally {
    await app?.close();
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
