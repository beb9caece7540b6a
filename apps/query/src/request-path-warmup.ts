import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeChunk } from '@ztsdb/chunkenc';
import type { Settings } from '@ztsdb/config';
import { addedEvent } from '@ztsdb/manifest';
import { retainQueryObjects } from '@ztsdb/promql';
import { encodeSeriesEntry, seriesId, seriesKey, seriesLabels } from '@ztsdb/model';
import {
  coldFileName,
  encodeColdFile,
  encodeWarmSegment,
  warmFileName,
  type ColdSeries,
  type SealedChunk,
} from '@ztsdb/tsdb';
import type { ManifestEvent } from '@ztsdb/wire';
import { JsonBytes } from './prom-api/json-bytes';
import { PromApi } from './prom-api/prom-api';
import { promListener } from './prom-api/prom-listener';
import { queryListener } from './query-listener';
import { QueryService } from './query.service';
import { SeriesRegistry } from './series-registry';
import { TieredStore } from './tiered-store';

/**
 * Synthetic containers, their images, and a quarter of an hour of points at 1 s (a collector's
 * interval): few enough that a request costs little once compiled, since what needs hundreds
 * of requests to be optimised is the code run once per request, not the loops over points.
 */
const CONTAINERS = 4;
const IMAGES = 2;
/**
 * Containers with a CPU series: more than the others, since the native API's step sums over
 * cold files call their per-series functions once a series and a request, and those need
 * thousands of calls to be optimised (the PromQL queries over every container use the others).
 */
const CPU_CONTAINERS = 40;
const POINTS = 900;
const INTERVAL_MS = 1000;
/** The first 10 minutes lie in a cold file, the last 5 in a warm file of sealed chunks. */
const COLD_POINTS = 600;
const CHUNK_POINTS = 120;
/** A Unix time of the size real ones have (see read-path-warmup.ts on field representations). */
const T0_MS = Date.UTC(2024, 0, 1);
const WINDOW_MS = 2 * 3_600_000;
/** Main-thread time of requests sent back to back, then a pause for V8's background compiles and real requests. */
const SLICE_MS = 20;
const PAUSE_MS = 25;

export interface RequestWarmupReport {
  /** Requests answered (PromQL or the native API, over the synthetic data, through HTTP). */
  requests: number;
  /** Main-thread milliseconds spent, pauses left out. */
  busyMs: number;
  /** The last answer of each kind of request (kept with the rest). */
  answers: Buffer[];
}

/**
 * What the warm-up keeps until the service stops: its store (the synthetic files' readers),
 * registry, API and the last answers. V8 throws compiled code away at a full GC once no object
 * of the hidden classes it was compiled for is alive (read-path-warmup.ts, `kept`); these keep
 * the long-lived kinds alive.
 */
let kept: { store: TieredStore; objects: unknown[] } | undefined;

/** Closes what the warm-up kept (the service's shutdown; tests). */
export async function releaseRequestWarmup(): Promise<void> {
  const k = kept;
  kept = undefined;
  await k?.store.stop();
}

const metricOf = ['container.cpu.usage', 'container.memory.bytes', 'container.net.rx.bytes'];

/** One series' hour of values: a percent with two decimals, 4 KiB pages, or a byte counter. */
function valuesOf(metric: number, c: number, rand: () => number): Float64Array {
  const v = new Float64Array(POINTS);
  const mean = 5 + 70 * rand();
  let x = metric === 1 ? 4096 * Math.floor(2 ** 18 * (1 + rand())) : 0;
  for (let i = 0; i < POINTS; i++) {
    if (metric === 0)
      x = Math.round(Math.min(100, Math.max(0, mean + (rand() - 0.5) * 20)) * 100) / 100;
    else if (metric === 1) x += rand() < 0.2 ? 4096 * Math.round((rand() - 0.5) * 64) : 0;
    else x += rand() < 0.75 ? 0 : Math.round(1500 * (c + 1) * rand());
    v[i] = x;
  }
  return v;
}

interface Synthetic {
  dir: string;
  events: ManifestEvent[];
  entries: Array<[string, Uint8Array]>;
  containerIds: string[];
}

/** Writes the synthetic series as one cold and one warm file of partition 0 in a temporary folder. */
function writeSynthetic(): Synthetic {
  let seed = 0x2545f491;
  const rand = (): number => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return (seed >>> 0) / 2 ** 32;
  };
  const timestamps = new Float64Array(POINTS);
  for (let i = 0; i < POINTS; i++) timestamps[i] = T0_MS + i * INTERVAL_MS;
  const cold: ColdSeries[] = [];
  const chunks: SealedChunk[] = [];
  const entries: Array<[string, Uint8Array]> = [];
  const containerIds: string[] = [];
  for (let c = 0; c < CPU_CONTAINERS; c++) {
    const cid = (0xa11ce0000000 + c).toString(16);
    containerIds.push(cid);
    for (let m = 0; m < (c < CONTAINERS ? metricOf.length : 1); m++) {
      const name = `${metricOf[m]}.${cid}`;
      const id = seriesId(name);
      const labels = seriesLabels(metricOf[m]!, { id: cid, image: `warmup/image-${c % IMAGES}` });
      entries.push([
        seriesKey(id),
        encodeSeriesEntry({ id: seriesKey(id), name, labels, active: true, updatedMs: 0 }),
      ]);
      const values = valuesOf(m, c, rand);
      cold.push({
        seriesId: id,
        version: 1,
        timestamps: timestamps.subarray(0, COLD_POINTS),
        values: values.subarray(0, COLD_POINTS),
      });
      for (let at = COLD_POINTS; at < POINTS; at += CHUNK_POINTS) {
        const end = Math.min(POINTS, at + CHUNK_POINTS);
        chunks.push({
          seriesId: id,
          minT: timestamps[at]!,
          maxT: timestamps[end - 1]!,
          count: end - at,
          version: 2,
          bytes: encodeChunk(timestamps, values, at, end),
        });
      }
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-warmup-'));
  const events: ManifestEvent[] = [];
  try {
    const stats = (n: number) => ({
      minT: T0_MS,
      maxT: T0_MS + (POINTS - 1) * INTERVAL_MS,
      seriesCount: cold.length,
      points: n * cold.length,
    });
    const coldFile = `cold/p0/${coldFileName(T0_MS, 1)}`;
    const coldPieces = encodeColdFile(
      { partition: 0, windowStart: T0_MS, windowEnd: T0_MS + WINDOW_MS },
      cold,
    );
    const warmFile = `warm/p0/${warmFileName(1)}`;
    const warmPieces = encodeWarmSegment(0, chunks);
    for (const [file, pieces, kind, n] of [
      [coldFile, coldPieces, 'cold-added', COLD_POINTS],
      [warmFile, warmPieces, 'warm-added', POINTS - COLD_POINTS],
    ] as const) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), Buffer.concat(pieces));
      events.push(addedEvent(kind, 0, file, pieces, stats(n)));
    }
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, events, entries, containerIds };
}

/** A request of the warm-up: a form-encoded POST when it has a form, else a GET. */
interface WarmupRequest {
  path: string;
  form?: string;
}

/**
 * The queries a container dashboard sends (per-container lines at the collector's interval,
 * rates and sums by image, top-k, quantiles over time, instant panels), over the synthetic
 * quarter of an hour or its last minutes: PromQL as form-encoded POSTs (as Grafana sends
 * them), and the native API's series and step aggregations, over the cold file alone (read
 * straight from its blocks) and over both files.
 */
function dashboardRequests(containerIds: string[]): WarmupRequest[] {
  const firstMs = T0_MS;
  const lastMs = T0_MS + (POINTS - 1) * INTERVAL_MS;
  const coldEndMs = T0_MS + (COLD_POINTS - 1) * INTERVAL_MS;
  const first = firstMs / 1000;
  const last = lastMs / 1000;
  const range = (query: string, step: number, from = first): WarmupRequest => ({
    path: '/api/v1/query_range',
    form: new URLSearchParams({
      query,
      start: String(from),
      end: String(last),
      step: String(step),
    }).toString(),
  });
  const instant = (query: string): WarmupRequest => ({
    path: '/api/v1/query',
    form: new URLSearchParams({ query, time: String(last) }).toString(),
  });
  const native = (params: Record<string, string>): WarmupRequest => ({
    path: `/query?${new URLSearchParams(params).toString()}`,
  });
  const one = `{container_id="${containerIds[0]}"}`;
  const other = `{container_id="${containerIds[1]}"}`;
  return [
    range(`container_cpu_usage${one}`, 1),
    range(`container_memory_bytes${other}`, 15, last - 300),
    range(`quantile_over_time(0.99, container_cpu_usage${one}[1m])`, 30),
    range('sum(container_memory_bytes)', 30),
    range('sum by (image) (rate(container_net_rx_bytes[1m]))', 30),
    range('sum by (image) (avg_over_time(container_net_rx_bytes[1m]))', 30),
    range('topk(3, avg_over_time(container_memory_bytes[1m]))', 30),
    range(`max_over_time(container_memory_bytes${one}[1m])`, 15, last - 300),
    range(`rate(container_net_rx_bytes${other}[1m])`, 15),
    instant('sum by (image) (container_memory_bytes)'),
    instant(`rate(container_net_rx_bytes${one}[5m])`),
    native({
      series: `container.cpu.usage.${containerIds[0]}`,
      start: String(firstMs),
      end: String(lastMs),
    }),
    native({
      match: 'container_cpu_usage',
      agg: 'sum',
      step: '60s',
      start: String(firstMs),
      end: String(coldEndMs),
    }),
    native({
      match: 'container_cpu_usage',
      agg: 'max',
      step: '15s',
      start: String(firstMs),
      end: String(coldEndMs),
    }),
    native({
      match: 'container_memory_bytes',
      agg: 'avg',
      step: '15s',
      start: String(firstMs),
      end: String(lastMs),
    }),
  ];
}

/** One HTTP/1.1 exchange at a time over a kept-alive socket: the answer's body, whole. */
class RawClient {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: ((answer: { status: number; body: Buffer }) => void) | undefined;
  private failed: ((e: Error) => void) | undefined;

  constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered = this.buffered.length === 0 ? d : Buffer.concat([this.buffered, d]);
      this.settle();
    });
    socket.on('error', (e) => this.failed?.(e));
    socket.on('close', () => this.failed?.(new Error('warm-up socket closed')));
  }

  send(r: WarmupRequest): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
      this.socket.write(
        r.form === undefined
          ? `GET ${r.path} HTTP/1.1\r\nHost: warmup\r\n\r\n`
          : `POST ${r.path} HTTP/1.1\r\nHost: warmup\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(r.form)}\r\n\r\n${r.form}`,
      );
    });
  }

  private settle(): void {
    const head = this.buffered.indexOf('\r\n\r\n');
    if (head < 0 || !this.waiting) return;
    const header = this.buffered.toString('latin1', 0, head);
    const m = /content-length: *(\d+)/i.exec(header);
    if (!m) {
      this.failed?.(new Error('warm-up answer without content-length'));
      return;
    }
    const end = head + 4 + Number(m[1]);
    if (this.buffered.length < end) return;
    const body = this.buffered.subarray(head + 4, end);
    this.buffered = this.buffered.subarray(end);
    const done = this.waiting;
    this.waiting = this.failed = undefined;
    done({ status: Number(header.slice(9, 12)), body });
  }
}

/**
 * Sends `requests` requests of a dashboard's kinds (dashboardRequests: PromQL and the native
 * API) through the whole request path (HTTP server, form, PromQL parse and evaluation, label
 * index, the tiered store's cold, warm and decoded-cache reads, JSON) over a quarter of an
 * hour of synthetic container series
 * in files of its own, served on a Unix socket of its own, in slices with pauses between: the
 * first real requests after a start then run code V8 has compiled (a per-request function
 * runs once a request, so it takes hundreds of requests to be optimised). No stored data is
 * read and no port is opened. `stopped` ends it early (the service shutting down).
 */
export async function warmRequestPath(
  settings: Settings,
  requests: number,
  stopped: () => boolean = () => false,
): Promise<RequestWarmupReport> {
  const report: RequestWarmupReport = { requests: 0, busyMs: 0, answers: [] };
  let t = performance.now();
  const syn = writeSynthetic();
  const store = TieredStore.overLocalFiles(
    syn.dir,
    syn.events,
    settings.ZTSDB_QUERY_DECODED_CACHE_BYTES,
  );
  await store.prepared();
  const registry = new SeriesRegistry(null);
  for (const [key, value] of syn.entries) registry.applyEntry(key, value);
  const synthetic = QueryService.detached(settings, {
    registry,
    store,
    hot: { fetch: () => Promise.resolve({ series: [], missing: [] }) },
    partitions: 1,
  });
  const promql = promListener(new PromApi(synthetic));
  const native = queryListener(synthetic, (raw) => Object.fromEntries(new URLSearchParams(raw)));
  const server = http.createServer((req, res) => {
    if (!native(req, res) && !promql(req, res)) res.writeHead(404).end();
  });
  const socketPath = path.join(syn.dir, 'http.sock');
  const answers = report.answers;
  const retained: unknown[] = [];
  let socket: net.Socket | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, resolve);
    });
    socket = net.connect(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', resolve).once('error', reject);
    });
    const client = new RawClient(socket);
    const kinds = dashboardRequests(syn.containerIds);
    report.busyMs += performance.now() - t;
    t = performance.now();
    while (report.requests < requests && !stopped()) {
      // The last pass over the kinds keeps each one's PromQL evaluator and value (see `kept`).
      if (report.requests === Math.max(0, requests - kinds.length)) retainQueryObjects(retained);
      const r = kinds[report.requests % kinds.length]!;
      const { status, body } = await client.send(r);
      if (status !== 200)
        throw new Error(`${r.path} ${r.form ?? ''}: ${status} ${body.toString('utf8', 0, 300)}`);
      answers[report.requests % kinds.length] = body;
      report.requests++;
      if (performance.now() - t >= SLICE_MS) {
        report.busyMs += performance.now() - t;
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
        t = performance.now();
      }
    }
    report.busyMs += performance.now() - t;
  } catch (e) {
    await store.stop();
    throw e;
  } finally {
    retainQueryObjects(undefined);
    socket?.destroy();
    server.close();
    fs.rmSync(syn.dir, { recursive: true, force: true });
  }
  await releaseRequestWarmup();
  // The PromQL answer's writer lives for one request too: one written as answers are stays.
  const writer = new JsonBytes();
  writer.text('[');
  writer.point(T0_MS, 0.5, true);
  kept = { store, objects: [registry, synthetic, promql, native, answers, retained, writer] };
  return report;
}
