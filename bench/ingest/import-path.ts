/**
 * The import path end to end, one variant against another in the same run: for each run a
 * nats-server and an ingestor of its own (temp store, free loopback ports), then
 * `ztsdb import FILE --format csv`, timed until the ingestor's `ztsdb_ingestor_points_total`
 * reaches every sample (polled every 100 ms). CPU-seconds per process over the import: the
 * client's from GNU time, the ingestor's and nats-server's from /proc. Also the samples
 * stream's bytes in nats-server's store (what went through JetStream).
 *
 *   node dist/bench/ingest/import-path.js FILE SAMPLES ROUNDS NAME=DIR[:VERSION] ...
 *
 * Each round runs every variant once, in order, alternating the order between rounds. A
 * variant is a built checkout (DIR) and optionally ZTSDB_SAMPLE_BATCH_VERSION. The last line
 * is a JSON object. BENCH_INGESTOR_NODE_ARGS adds node flags to the ingestor (a CPU profile).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { getText, metricSum } from '../support/metrics-text';

const PARTITIONS = 4;
/** Extra node flags for the ingestor, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
const INGESTOR_NODE_ARGS = (process.env.BENCH_INGESTOR_NODE_ARGS ?? '').split(' ').filter(Boolean);

interface Variant {
  name: string;
  dir: string;
  version?: string;
}

interface RunResult {
  variant: string;
  round: number;
  load: number;
  importS: number;
  appliedS: number;
  clientCpuS: number;
  ingestorCpuS: number;
  natsCpuS: number;
  streamBytes: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** utime + stime of a process, in seconds (clock ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

function stop(ch: ChildProcess): Promise<void> {
  if (ch.exitCode !== null || ch.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    ch.once('exit', () => resolve());
    ch.kill('SIGTERM');
    setTimeout(() => ch.kill('SIGKILL'), 10_000).unref();
  });
}

async function runOnce(
  v: Variant,
  file: string,
  samples: number,
  round: number,
): Promise<RunResult> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-import-path-'));
  const natsPort = await freePort();
  const httpPort = await freePort();
  const log = (name: string): number => fs.openSync(path.join(tmp, `${name}.log`), 'w');
  const env = {
    ...process.env,
    NATS_URL: `nats://127.0.0.1:${natsPort}`,
    ZTSDB_DATA_DIR: path.join(tmp, 'data'),
    ZTSDB_PARTITIONS: String(PARTITIONS),
    ZTSDB_RETENTION: '36500d',
    ZTSDB_INGESTOR_HTTP_ADDR: `127.0.0.1:${httpPort}`,
    ZTSDB_LOG_LEVEL: 'warn',
    ...(v.version ? { ZTSDB_SAMPLE_BATCH_VERSION: v.version } : {}),
  };
  const bin = path.join(v.dir, 'bin', 'ztsdb.js');
  const procs: ChildProcess[] = [];
  try {
    const natsDir = path.join(tmp, 'nats');
    const nats = spawn(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', natsDir],
      {
        stdio: ['ignore', log('nats'), log('nats-err')],
      },
    );
    procs.push(nats);
    await until(
      'nats-server',
      () =>
        new Promise((resolve) => {
          const s = net.connect(natsPort, '127.0.0.1', () => {
            s.destroy();
            resolve(true);
          });
          s.on('error', () => resolve(false));
        }),
      30_000,
    );
    const ingestor = spawn(process.execPath, [...INGESTOR_NODE_ARGS, bin, 'ingestor'], {
      cwd: v.dir,
      env,
      stdio: ['ignore', log('ingestor'), log('ingestor-err')],
    });
    procs.push(ingestor);
    await until(
      'ingestor takeovers',
      async () =>
        metricSum(await getText(httpPort, '/metrics'), 'ztsdb_ingestor_takeovers_total') >=
        PARTITIONS,
      180_000,
    );
    const load = os.loadavg()[0]!;
    const ing0 = cpuSeconds(ingestor.pid!);
    const nats0 = cpuSeconds(nats.pid!);
    const timeFile = path.join(tmp, 'import.time');
    const t0 = Date.now();
    const client = spawn(
      '/usr/bin/time',
      ['-f', '%e %U %S', '-o', timeFile, process.execPath, bin, 'import', file, '--format', 'csv'],
      { cwd: v.dir, env, stdio: ['ignore', log('import'), log('import-err')] },
    );
    procs.push(client);
    let importS = 0;
    client.once('exit', () => (importS = (Date.now() - t0) / 1000));
    await until(
      'every sample applied',
      async () =>
        metricSum(await getText(httpPort, '/metrics'), 'ztsdb_ingestor_points_total') >= samples,
      900_000,
    );
    const appliedS = (Date.now() - t0) / 1000;
    const ingestorCpuS = cpuSeconds(ingestor.pid!) - ing0;
    const natsCpuS = cpuSeconds(nats.pid!) - nats0;
    await until('the import to exit', async () => client.exitCode !== null, 120_000);
    const [, user, sys] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ');
    const streamBytes = dirBytes(path.join(natsDir, 'jetstream', '$G', 'streams'));
    return {
      variant: v.name,
      round,
      load: Math.round(load * 10) / 10,
      importS,
      appliedS,
      clientCpuS: Math.round((Number(user) + Number(sys)) * 100) / 100,
      ingestorCpuS: Math.round(ingestorCpuS * 100) / 100,
      natsCpuS: Math.round(natsCpuS * 100) / 100,
      streamBytes,
    };
  } finally {
    for (const p of procs.reverse()) await stop(p);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [file, samplesArg, roundsArg, ...specs] = process.argv.slice(2);
  if (!file || !samplesArg || !roundsArg || specs.length === 0) {
    process.stderr.write('usage: import-path.js FILE SAMPLES ROUNDS NAME=DIR[:VERSION] ...\n');
    process.exit(2);
  }
  const variants: Variant[] = specs.map((s) => {
    const [name, rest] = s.split('=') as [string, string];
    const [dir, version] = rest.split(':');
    return { name, dir: path.resolve(dir!), version };
  });
  const samples = Number(samplesArg);
  const results: RunResult[] = [];
  for (let round = 1; round <= Number(roundsArg); round++) {
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const v of order) {
      const r = await runOnce(v, path.resolve(file), samples, round);
      results.push(r);
      console.log(
        `${r.variant.padEnd(8)} round ${r.round} load ${r.load}: applied ${r.appliedS.toFixed(1)} s (import ${r.importS.toFixed(1)} s); CPU-s client ${r.clientCpuS} ingestor ${r.ingestorCpuS} nats-server ${r.natsCpuS}; stream ${(r.streamBytes / samples).toFixed(2)} B/sample`,
      );
    }
  }
  console.log(JSON.stringify({ samples, partitions: PARTITIONS, results }));
}

void main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
