// Remote-write benchmark: Prometheus-shaped remote_write 1.0 requests (2,000 series with one
// sample each, snappy-compressed protobuf, labels like a scraped fleet) posted 8 at a time to
// a `ztsdb query` child process, which answers only after JetStream acknowledged every sample;
// then the same requests to VictoriaMetrics' /api/v1/write (Debian package victoria-metrics)
// when its binary is there. Prints samples/s, bytes per sample on the wire, request latency
// percentiles and the server's RSS; the last line is one JSON object of the figures.
// Each server first gets every distinct request once (a warm-up: the series are new then, and
// registering 20,000 series is not the steady state measured), then BENCH_SECONDS (default 20)
// of requests. CPU-seconds of the server (and, for ztsdb, of its nats-server) per million
// samples are printed beside the rate: they move less than wall time on a shared machine.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createServer } from 'node:net';
import { NatsServer, tempDir } from '@ztsdb/testing';
import { buildRequests, PER_REQUEST } from './requests';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const IN_FLIGHT = 8;
/** Extra node options for the ztsdb process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
const QUERY_NODE_ARGS = (process.env.BENCH_QUERY_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** A file that gets the ztsdb process's output (with `--trace-deopt` and the like). */
const QUERY_OUTPUT = process.env.BENCH_QUERY_OUTPUT;
const ROOT = path.join(__dirname, '..', '..', '..');

const log = (m: string): void => void process.stdout.write(`${m}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number): number =>
  xs.length === 0
    ? NaN
    : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

interface RunFigures {
  samplesPerSec: number;
  requests: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  rssMiB: number;
  /** CPU-seconds per million samples, by process (user + system, from /proc). */
  cpuSecondsPerMillion: Record<string, number>;
}

/** User + system CPU-seconds of a process so far. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

function rssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function post(url: string, body: Buffer): Promise<Response | undefined> {
  return fetch(url, {
    method: 'POST',
    body: new Uint8Array(body),
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
  }).catch(() => undefined);
}

/** Every distinct request once, IN_FLIGHT at a time (retrying refusals): all series known. */
async function warmUp(url: string, requests: Buffer[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const body = requests[next++]!;
      for (let attempt = 0; attempt < 50; attempt++) {
        const res = await post(url, body);
        await res?.arrayBuffer();
        if (res && res.status < 300) break;
        await sleep(100);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

async function drive(
  url: string,
  requests: Buffer[],
  pid: number | undefined,
  cpuPids: Record<string, number | undefined>,
): Promise<RunFigures> {
  await warmUp(url, requests);
  const latencies: number[] = [];
  let sent = 0;
  let failed = 0;
  let next = 0;
  let peakRss = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = Date.now();
  const cpu0 = Object.fromEntries(Object.entries(cpuPids).map(([k, p]) => [k, cpuSeconds(p)]));
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(pid) || 0)), 500);
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const body = requests[next++ % requests.length]!;
      const t = performance.now();
      const res = await post(url, body);
      await res?.arrayBuffer();
      if (!res || res.status >= 300) {
        failed++;
        if (res?.status === 429 || res?.status === 503) await sleep(100);
        continue;
      }
      latencies.push(performance.now() - t);
      sent++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  clearInterval(rssTimer);
  const secs = (Date.now() - started) / 1000;
  const millions = (sent * PER_REQUEST) / 1e6;
  const cpuSecondsPerMillion = Object.fromEntries(
    Object.entries(cpuPids).map(([k, p]) => [
      k,
      Number(((cpuSeconds(p) - cpu0[k]!) / millions).toFixed(3)),
    ]),
  );
  return {
    samplesPerSec: Math.round((sent * PER_REQUEST) / secs),
    requests: sent,
    failed,
    p50Ms: Number(pct(latencies, 0.5).toFixed(1)),
    p99Ms: Number(pct(latencies, 0.99).toFixed(1)),
    rssMiB: Math.round(peakRss),
    cpuSecondsPerMillion,
  };
}

async function waitHttp(
  url: string,
  what: string,
  proc: ChildProcess,
  out: () => string,
): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`${what} exited:\n${out()}`);
    const ok = await fetch(url)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${what} did not answer ${url}:\n${out()}`);
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await done;
}

async function main(): Promise<void> {
  const requests = buildRequests();
  const wire = requests.reduce((n, b) => n + b.length, 0);
  const bytesPerSample = wire / (requests.length * PER_REQUEST);
  log(
    `${requests.length} distinct requests of ${PER_REQUEST} samples, ${(wire / requests.length / 1024).toFixed(1)} KiB each (${bytesPerSample.toFixed(2)} bytes per sample, snappy)`,
  );
  const dir = tempDir('ztsdb-bench-rw-');
  const nats = await NatsServer.start();
  const port = await freePort();
  let output = '';
  const query = spawn(
    process.execPath,
    [...QUERY_NODE_ARGS, path.join(ROOT, 'bin', 'ztsdb.js'), 'query'],
    {
      env: {
        ...process.env,
        NATS_URL: nats.url,
        ZTSDB_DATA_DIR: path.join(dir.path, 'ztsdb'),
        ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
        ZTSDB_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (d: Buffer): void => {
    if (QUERY_OUTPUT) fs.appendFileSync(QUERY_OUTPUT, d);
    else output += d.toString();
  };
  query.stdout!.on('data', keep);
  query.stderr!.on('data', keep);
  const figures: Record<string, unknown> = {
    bytesPerSampleWire: Number(bytesPerSample.toFixed(2)),
    perRequest: PER_REQUEST,
    inFlight: IN_FLIGHT,
    seconds: SECONDS,
  };
  try {
    await waitHttp(`http://127.0.0.1:${port}/healthz`, 'ztsdb query', query, () => output);
    const z = await drive(`http://127.0.0.1:${port}/api/v1/write`, requests, query.pid, {
      query: query.pid,
      natsServer: nats.pid,
    });
    log(
      `ztsdb: ${z.samplesPerSec.toLocaleString('en-US')} samples/s acknowledged after JetStream, ${z.requests} requests (${z.failed} refused), latency p50 ${z.p50Ms} ms p99 ${z.p99Ms} ms, RSS ${z.rssMiB} MiB, CPU-s per million samples ${JSON.stringify(z.cpuSecondsPerMillion)}`,
    );
    figures.ztsdb = z;
  } finally {
    await stop(query);
    await nats.stop();
  }

  const vmBin = ['/usr/bin/victoria-metrics', '/usr/local/bin/victoria-metrics'].find((p) =>
    fs.existsSync(p),
  );
  if (!vmBin) {
    log('victoria-metrics not installed (apt-get install victoria-metrics): no side-by-side run');
  } else {
    const vport = await freePort();
    let vout = '';
    const vm = spawn(
      vmBin,
      [
        `-httpListenAddr=127.0.0.1:${vport}`,
        `-storageDataPath=${path.join(dir.path, 'vm')}`,
        '-retentionPeriod=100y',
        '-loggerLevel=ERROR',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    vm.stdout!.on('data', (d: Buffer) => (vout += d.toString()));
    vm.stderr!.on('data', (d: Buffer) => (vout += d.toString()));
    try {
      await waitHttp(`http://127.0.0.1:${vport}/health`, 'victoria-metrics', vm, () => vout);
      const v = await drive(`http://127.0.0.1:${vport}/api/v1/write`, requests, vm.pid, {
        victoriaMetrics: vm.pid,
      });
      log(
        `victoria-metrics: ${v.samplesPerSec.toLocaleString('en-US')} samples/s, ${v.requests} requests (${v.failed} refused), latency p50 ${v.p50Ms} ms p99 ${v.p99Ms} ms, RSS ${v.rssMiB} MiB, CPU-s per million samples ${JSON.stringify(v.cpuSecondsPerMillion)}`,
      );
      figures.victoriaMetrics = v;
    } finally {
      await stop(vm);
    }
  }
  dir.remove();
  log(JSON.stringify(figures));
}

main().catch((e: Error) => {
  log(`bench failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
