/**
 * Side by side with a real Prometheus (Debian package `prometheus`, 2.42): the same
 * container-shaped data loaded into Prometheus with `promtool tsdb create-blocks-from
 * openmetrics` and into a ztsdb query service, the same queries asked of both over
 * /api/v1/query and /api/v1/query_range, the same answers within a relative 1e-9.
 *
 * Prometheus 3 changed one thing these queries could see: range, lookback and subquery
 * windows are left-open (a sample, or a subquery step, exactly at t - range is out;
 * Prometheus 2 took it in). ztsdb has the Prometheus 3 semantics, so here the samples sit
 * half a second off the whole-second grid and the evaluation times off the whole minute a
 * `[10m:1m]` subquery steps on: nothing is ever on a window's edge. (With evaluation times on
 * whole minutes, the subquery query differs exactly so: Prometheus 2 also takes the inner step
 * at t - 10m.) Everything else in these queries is the same in both versions.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir, waitFor } from '@ztsdb/testing';
import { freePort } from '../support/ztsdb-process';
import { QueryBed } from '../query/query-bed';

const run = promisify(execFile);
const STEP_MS = 15_000;
const POINTS = 240; // one hour
/** A recent whole hour, so Prometheus's retention keeps the blocks; samples 0.5 s off the grid. */
const T0 = Math.floor((Date.now() - 3 * 3600_000) / 3600_000) * 3600_000 + 500;
const IMAGES = ['nginx', 'redis', 'postgres'];
const CONTAINERS = 12;
const LE = ['0.05', '0.1', '0.25', '0.5', '1', '+Inf'];

interface Series {
  name: string;
  labels: Record<string, string>;
  values: number[];
}

/** Deterministic pseudo-random numbers (a 32-bit LCG), so both stores get the same data. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function containerData(): Series[] {
  const r = rng(42);
  const out: Series[] = [];
  for (let c = 0; c < CONTAINERS; c++) {
    const base = {
      container_id: (0xabc000000000 + c).toString(16),
      container_name: `app-${c}`,
      image: IMAGES[c % IMAGES.length]!,
    };
    const cpu: number[] = [];
    const net: number[] = [];
    let bytes = 0;
    for (let i = 0; i < POINTS; i++) {
      cpu.push(Math.round(r() * 10_000) / 100);
      // A counter that restarts once, to exercise resets.
      bytes = c === 3 && i === 120 ? 0 : bytes + Math.floor(r() * 100_000);
      net.push(bytes);
    }
    out.push({ name: 'container_cpu_usage', labels: base, values: cpu });
    out.push({ name: 'container_net_rx_bytes_total', labels: base, values: net });
    const buckets = LE.map(() => [] as number[]);
    const counts = LE.map(() => 0);
    for (let i = 0; i < POINTS; i++) {
      const n = Math.floor(r() * 20);
      for (let k = 0; k < n; k++) {
        const d = r() * r();
        LE.forEach((le, j) => {
          if (le === '+Inf' || d <= Number(le)) counts[j]!++;
        });
      }
      LE.forEach((_, j) => buckets[j]!.push(counts[j]!));
    }
    LE.forEach((le, j) =>
      out.push({
        name: 'container_request_duration_seconds_bucket',
        labels: { ...base, le },
        values: buckets[j]!,
      }),
    );
  }
  return out;
}

function openMetrics(series: Series[]): string {
  const lines: string[] = [];
  for (const s of series) {
    const l = Object.entries(s.labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    s.values.forEach((v, i) => lines.push(`${s.name}{${l}} ${v} ${(T0 + i * STEP_MS) / 1000}`));
  }
  return lines.join('\n') + '\n# EOF\n';
}

const QUERIES = [
  'rate(container_net_rx_bytes_total[5m])',
  'sum by (image) (rate(container_net_rx_bytes_total[5m]))',
  'increase(container_net_rx_bytes_total[10m])',
  'resets(container_net_rx_bytes_total[1h])',
  'topk(3, avg_over_time(container_cpu_usage[5m]))',
  'bottomk(2, container_cpu_usage) by (image)',
  'quantile_over_time(0.99, container_cpu_usage[10m])',
  'stddev by (image) (container_cpu_usage)',
  'avg without (container_id, container_name) (container_cpu_usage)',
  'quantile by (image) (0.9, container_cpu_usage)',
  'deriv(container_cpu_usage[5m])',
  'histogram_quantile(0.9, sum by (le, image) (rate(container_request_duration_seconds_bucket[5m])))',
  'max_over_time(sum by (image) (rate(container_net_rx_bytes_total[1m]))[10m:1m])',
  'container_cpu_usage > on (container_id) group_left rate(container_net_rx_bytes_total[5m]) / 1e4',
];

type Json = ReturnType<typeof JSON.parse>;

/** Result rows keyed by their label set, values as numbers. */
function rows(body: Json): Map<string, Array<[number, number]>> {
  if (body.status !== 'success') throw new Error(`error answer: ${JSON.stringify(body)}`);
  const m = new Map<string, Array<[number, number]>>();
  for (const s of body.data.result as Json[]) {
    const key = JSON.stringify(Object.entries(s.metric as Record<string, string>).sort());
    const pts = (s.values ?? [s.value]) as Array<[number, string]>;
    m.set(
      key,
      pts.map(([t, v]) => [t, Number(v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : v)]),
    );
  }
  return m;
}

function same(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function differences(ours: Json, theirs: Json): string[] {
  const a = rows(ours);
  const b = rows(theirs);
  const out: string[] = [];
  for (const [k, pts] of b) {
    const mine = a.get(k);
    if (!mine) out.push(`missing ${k}`);
    else if (
      mine.length !== pts.length ||
      mine.some(([t, v], i) => t !== pts[i]![0] || !same(v, pts[i]![1]))
    )
      out.push(`${k}: ours ${JSON.stringify(mine)} Prometheus ${JSON.stringify(pts)}`);
  }
  for (const k of a.keys()) if (!b.has(k)) out.push(`extra ${k}`);
  return out;
}

let bed: QueryBed;
let prom: ChildProcess | undefined;
let promUrl: string;
const dir = tempDir('ztsdb-prom-side-');

jest.setTimeout(120_000);

beforeAll(async () => {
  const data = containerData();
  const om = join(dir.path, 'data.om');
  writeFileSync(om, openMetrics(data));
  const blocks = join(dir.path, 'tsdb');
  try {
    await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, blocks]);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT')
      throw new Error('promtool is not installed: apt-get install prometheus (.ci/run does)', {
        cause: e,
      });
    throw e;
  }
  const config = join(dir.path, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prom = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${blocks}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=30d',
    ],
    { stdio: 'ignore' },
  );
  bed = await QueryBed.start();
  const ts = Array.from({ length: POINTS }, (_, i) => T0 + i * STEP_MS);
  for (const s of data) {
    const keys = Object.keys(s.labels).sort();
    const name = `${s.name}{${keys.map((k) => `${k}=${JSON.stringify(s.labels[k])}`).join(',')}}`;
    await bed.add(name, { ...s.labels, __name__: s.name }, ts, s.values);
  }
  await bed.registered(data.length);
  await waitFor(
    async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.status === 200,
    'Prometheus to be ready',
    60_000,
  );
});

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom!.once('exit', r));
    prom.kill('SIGTERM');
    await exited;
  }
  await bed?.stop();
  dir.remove();
});

const get = async (base: string, path: string, params: Record<string, string>): Promise<Json> =>
  (await fetch(`${base}${path}?${new URLSearchParams(params)}`)).json();

describe('the same answers as Prometheus 2.42 on container-shaped data', () => {
  const times = [1807, 2707, 3599].map((s) => String(T0 / 1000 - 0.5 + s));

  it.each(QUERIES)('instant: %s', async (query) => {
    for (const time of times) {
      const [ours, theirs] = await Promise.all([
        get(bed.http, '/api/v1/query', { query, time }),
        get(promUrl, '/api/v1/query', { query, time }),
      ]);
      expect(rows(theirs).size).toBeGreaterThan(0);
      expect(differences(ours, theirs)).toEqual([]);
    }
  });

  it.each(QUERIES)('range: %s', async (query) => {
    const params = {
      query,
      start: String(T0 / 1000 - 0.5 + 907),
      end: String(T0 / 1000 - 0.5 + 3547),
      step: '60',
    };
    const [ours, theirs] = await Promise.all([
      get(bed.http, '/api/v1/query_range', params),
      get(promUrl, '/api/v1/query_range', params),
    ]);
    expect(rows(theirs).size).toBeGreaterThan(0);
    expect(differences(ours, theirs)).toEqual([]);
  });
});
