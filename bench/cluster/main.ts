// Cluster benchmark: the cost of ZTSDB_REPLICAS. Three set-ups in one run, rounds
// interleaved (noise on a shared machine falls on all alike): one nats-server
// with R1 (the single-node deployment), a 3-node JetStream cluster with R1, and
// the same cluster with R3. In each, a `ztsdb ingestor` and a `ztsdb query`
// (child processes, NATS_URL listing every server, each with its own data dir)
// take BENCH_SERIES series (10 metrics a container, 4 partitions) published as
// fast as BENCH_IN_FLIGHT unacknowledged batches allow for BENCH_SECONDS; then
// BENCH_RUNS HTTP queries of one series' whole range and of a sum over the
// container_cpu_usage series. Figures per set-up are medians over BENCH_ROUNDS:
// acknowledged and applied samples/s, CPU-seconds (nats-servers + ingestor) per
// million samples, query p50. A short unrecorded warm-up runs first (BENCH_WARMUP=0
// skips it). Last line: one JSON object.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DEFAULT_TOPOLOGY, ensureTopology, resolvePartitions, samplesSubject } from '@ztsdb/bus';
import { partitionOf, parseSeriesName, seriesKey, seriesLabels } from '@ztsdb/model';
import { generateDataset } from '@ztsdb/synthetic';
import { freePort, NatsCluster, NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { encodeSampleBatch, sampleBatchMsgId } from '@ztsdb/wire';

const SERIES = Number(process.env.BENCH_SERIES ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
/**
 * Ticks (1 s of data each) the queries cover: the same in every set-up, whatever its ingest
 * rate (ingest goes on past BENCH_SECONDS until there are that many).
 */
const QUERY_TICKS = Number(process.env.BENCH_QUERY_TICKS ?? 150);
const PARTITIONS = 4;
const ROOT = path.join(__dirname, '..', '..', '..');

type Setup = 'single_r1' | 'cluster_r1' | 'cluster_r3';
const SETUPS: Setup[] = ['single_r1', 'cluster_r1', 'cluster_r3'];

const log = (m: string): void => void process.stdout.write(`${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const round = (x: number, digits = 0): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** User + system CPU time of a process so far, in seconds (/proc/<pid>/stat, USER_HZ = 100). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** `ztsdb <service>` from the built tree. */
function startService(service: 'ingestor' | 'query', env: Record<string, string>): ChildProcess {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'ztsdb.js'), service], {
    env: { ...process.env, ZTSDB_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  proc.once('exit', (code, sig) => {
    if (code !== 0 && sig === null) log(`${service} exited with ${code}: ${err}`);
  });
  return proc;
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(t);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            resolve({ status: res.statusCode ?? 0, body });
          } catch (e) {
            reject(e as Error);
          }
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function appliedPoints(metricsUrl: string): Promise<number> {
  const text = await fetch(metricsUrl).then((r) => r.text());
  let n = 0;
  for (const m of text.matchAll(/^ztsdb_ingestor_points_total\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

const ds = generateDataset(SERIES, 1);
/** Per partition, the indexes of its series: one batch per partition and tick. */
const byPartition: number[][] = Array.from({ length: PARTITIONS }, () => []);
for (let s = 0; s < ds.ids.length; s++) byPartition[partitionOf(ds.ids[s]!, PARTITIONS)]!.push(s);

async function register(nc: NatsConnection, replicas: number): Promise<void> {
  const topo = await ensureTopology(nc, { ...DEFAULT_TOPOLOGY, replicas });
  await resolvePartitions(topo.config, PARTITIONS);
  const puts: Array<Promise<unknown>> = [];
  for (let s = 0; s < ds.names.length; s++) {
    const name = ds.names[s]!;
    const parsed = parseSeriesName(name)!;
    const key = seriesKey(ds.ids[s]!);
    const labels = seriesLabels(parsed.metric, { id: parsed.containerId, runtime: 'docker' });
    puts.push(
      topo.series.put(
        key,
        JSON.stringify({ id: key, name, labels, active: true, updatedMs: Date.now() }),
      ),
    );
    if (puts.length >= 256) await Promise.all(puts.splice(0));
  }
  await Promise.all(puts);
}

/** Publishes ticks (one batch per partition) for `seconds`; returns samples acknowledged and the first/last data time. */
async function ingest(nc: NatsConnection, seconds: number, t0: number) {
  const js = jetstream(nc, { timeout: 30_000 });
  const batches = byPartition.map((idx, p) => ({
    partition: p,
    ids: BigUint64Array.from(idx, (s) => ds.ids[s]!),
  }));
  let acked = 0;
  let failed = 0;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const end = performance.now() + seconds * 1000;
  const minTicks = seconds === SECONDS ? QUERY_TICKS : 1;
  let tick = 0;
  for (; performance.now() < end || tick < minTicks; tick++) {
    for (const b of batches) {
      const ts = new Float64Array(b.ids.length).fill(t0 + tick * 1000);
      const vs = Float64Array.from(b.ids, (_, i) => (i + tick) % 1000);
      const header = { partition: b.partition, producerId: 1n, sequence: BigInt(tick) };
      const bytes = encodeSampleBatch(header, b.ids, ts, vs, b.ids.length);
      while (inFlight >= IN_FLIGHT) await new Promise<void>((r) => (wake = r));
      inFlight++;
      js.publish(samplesSubject(b.partition), bytes, { msgID: sampleBatchMsgId(header) })
        .then(
          () => void (acked += b.ids.length),
          () => void failed++,
        )
        .finally(() => {
          inFlight--;
          wake?.();
          wake = undefined;
        });
    }
  }
  while (inFlight > 0) await sleep(5);
  return { acked, failed, ticks: tick };
}

/** What to stop if the run is interrupted: the current set-up's processes and stores. */
let teardown: (() => Promise<void>) | undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(
    sig,
    () => void (teardown?.() ?? Promise.resolve()).finally(() => process.exit(130)),
  );

async function phase(
  setup: Setup,
  roundNo: number,
  seconds = SECONDS,
): Promise<Record<string, number>> {
  const replicas = setup === 'cluster_r3' ? 3 : 1;
  const single = setup === 'single_r1' ? await NatsServer.start() : undefined;
  const cluster = single ? undefined : await NatsCluster.start();
  const servers = single ? [single] : cluster!.nodes;
  const url = single ? single.url : cluster!.url;
  const dirs = [tempDir('ztsdb-bench-cluster-ing-'), tempDir('ztsdb-bench-cluster-q-')];
  const [ingPort, qPort] = [await freePort(), await freePort()];
  const nc = await connect({ servers: url.split(','), maxPingOut: 10 });
  const procs: ChildProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const p of procs) await stopProcess(p);
    await nc.close().catch(() => undefined);
    await single?.stop();
    await cluster?.stop();
    for (const d of dirs) d.remove();
  };
  teardown = stopAll;
  try {
    await register(nc, replicas);
    const common = { NATS_URL: url, ZTSDB_REPLICAS: String(replicas), ZTSDB_PARTITIONS: '4' };
    procs.push(
      startService('ingestor', {
        ...common,
        ZTSDB_DATA_DIR: dirs[0]!.path,
        ZTSDB_INGESTOR_ID: 'bench',
        ZTSDB_INGESTOR_HTTP_ADDR: `127.0.0.1:${ingPort}`,
      }),
      startService('query', {
        ...common,
        ZTSDB_DATA_DIR: dirs[1]!.path,
        ZTSDB_HTTP_ADDR: `127.0.0.1:${qPort}`,
        ZTSDB_HOT_TIMEOUT_MS: '10000',
      }),
    );
    const metricsUrl = `http://127.0.0.1:${ingPort}/metrics`;
    const q = `http://127.0.0.1:${qPort}`;
    await waitFor(async () => (await getJson(`${q}/readyz`)).status === 200, 'query ready', 60_000);
    await waitFor(
      async () =>
        /ztsdb_ingestor_owned_partitions\s+4\b/.test(await (await fetch(metricsUrl)).text()),
      'the ingestor to own the 4 partitions',
      60_000,
      200,
    );
    const cpu = () => [...servers.map((s) => s.pid), procs[0]!.pid].map(cpuSeconds);
    const c0 = cpu();
    const t0 = Date.now() - 600_000;
    const w0 = performance.now();
    const { acked, failed, ticks } = await ingest(nc, seconds, t0);
    const ackedS = (performance.now() - w0) / 1000;
    await waitFor(
      async () => (await appliedPoints(metricsUrl)) >= acked,
      'the ingestor to apply every acknowledged sample',
      600_000,
      20,
    );
    const appliedS = (performance.now() - w0) / 1000;
    const c1 = cpu();
    const natsCpu = c1.slice(0, -1).reduce((a, x, i) => a + x - c0[i]!, 0);
    const ingCpu = c1.at(-1)! - c0.at(-1)!;
    const out: Record<string, number> = {
      acked_samples_per_s: Math.round(acked / ackedS),
      applied_samples_per_s: Math.round(acked / appliedS),
      nats_cpu_s_per_m_samples: round((natsCpu * 1e6) / acked, 2),
      ingestor_cpu_s_per_m_samples: round((ingCpu * 1e6) / acked, 2),
      failed_publishes: failed,
    };
    // Queries over the first QUERY_TICKS ticks: one series, and a sum over the container_cpu_usage series.
    const span = Math.min(ticks, QUERY_TICKS);
    const last = t0 + (span - 1) * 1000;
    const one = `${q}/query?series=${ds.names[0]}&start=${t0}&end=${last}`;
    const sum = `${q}/query?match=container_cpu_usage&agg=sum&step=60s&start=${t0}&end=${last}`;
    for (const [label, u, ok] of [
      ['one_series', one, (b: Record<string, unknown>) => (b.points as unknown[])?.length === span],
      ['sum_cpu_60s', sum, (b: Record<string, unknown>) => Array.isArray(b.result)],
    ] as const) {
      const complete = (r: { status: number; body: Record<string, unknown> }) =>
        r.status === 200 && ok(r.body) && r.body.missingPartitions === undefined;
      // The query service learns the partition owners from KV leases: wait for a whole answer first.
      await waitFor(
        async () => complete(await getJson(u)),
        `${setup} ${label} complete`,
        60_000,
        200,
      );
      const times: number[] = [];
      let incomplete = 0;
      for (let i = 0; times.length < RUNS; i++) {
        const t = performance.now();
        const r = await getJson(u);
        const dt = performance.now() - t;
        if (!complete(r)) {
          // A partition between owners (a lease renewal late on a loaded machine): counted, not timed.
          incomplete++;
          await waitFor(
            async () => complete(await getJson(u)),
            `${label} complete again`,
            60_000,
            200,
          );
          continue;
        }
        if (i >= 3) times.push(dt);
      }
      out[`query_${label}_p50_ms`] = round(pct(times, 0.5), 2);
      out[`query_${label}_incomplete`] = incomplete;
    }
    log(`${roundNo ? `round ${roundNo}` : 'warm-up'} ${setup}: ${JSON.stringify(out)}`);
    return out;
  } finally {
    teardown = undefined;
    await stopAll();
  }
}

async function main(): Promise<void> {
  log(
    `cluster benchmark: ${ds.names.length} series, ${SECONDS} s of ingest a set-up, ${ROUNDS} rounds of ${SETUPS.join(', ')}`,
  );
  // Unrecorded: the first set-up would otherwise also pay for this process's JIT warm-up.
  if (process.env.BENCH_WARMUP !== '0') await phase('single_r1', 0, Math.min(3, SECONDS));
  const results = new Map<Setup, Array<Record<string, number>>>();
  for (let r = 1; r <= ROUNDS; r++) {
    // Alternate the order each round so neither set-up always runs first.
    for (const s of r % 2 ? SETUPS : [...SETUPS].reverse()) {
      const list = results.get(s) ?? [];
      list.push(await phase(s, r));
      results.set(s, list);
    }
  }
  const figures: Record<string, number | string> = {
    series: ds.names.length,
    seconds: SECONDS,
    rounds: ROUNDS,
    in_flight: IN_FLIGHT,
  };
  for (const [s, list] of results)
    for (const k of Object.keys(list[0]!)) figures[`${s}_${k}`] = median(list.map((x) => x[k]!));
  const ratio = (k: string) =>
    round((figures[`cluster_r3_${k}`] as number) / (figures[`single_r1_${k}`] as number), 2);
  figures.r3_vs_single_acked_rate = ratio('acked_samples_per_s');
  figures.r3_vs_single_applied_rate = ratio('applied_samples_per_s');
  figures.r3_vs_single_query_one_series_p50 = ratio('query_one_series_p50_ms');
  log(JSON.stringify(figures));
  process.exit(0);
}

main().catch((e: Error) => {
  log(`bench failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
