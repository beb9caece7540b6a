// Ingest benchmark: producers publish pre-built sample batches as many hosts
// would (BENCH_HOSTS hosts × 100 containers × 10 metrics, one batch per host
// and partition per tick, ticks compressed in time) into one `ztsdb ingestor`
// child process, against a nats-server on the same machine. Measures
// sustained samples/s, JetStream ack → queryable latency (p50/p99, from a probe
// thread of its own: freshness.ts), ingestor
// RSS per active series, and the time to take a partition over (from the
// stream and from the local WAL). BENCH_SECONDS shortens the run (default 60).
// BENCH_BATCH_VERSION (1, 2 or 3; default 3, what producers send unless told
// otherwise) is the sample batch format published. BENCH_INGESTOR_LOG=<file> keeps the
// ingestor's own output there. Last line: one JSON object.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { hotSubject, samplesSubject } from '@ztsdb/bus';
import { partitionOf, seriesId, seriesKey } from '@ztsdb/model';
import { NatsServer, tempDir } from '@ztsdb/testing';
import { decodeHotReply, sampleBatchMsgId } from '@ztsdb/wire';
import { BATCH_VERSION, encodeBatch } from './batch-version';
import { startFreshnessProbe } from './freshness';
import {
  appliedPoints,
  eventLoopDelay,
  snapshotHolds,
  freePort,
  Ingestor,
  runtimeMemory,
  waitFor,
} from './ingestor-process';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 1000);
const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 100);
const METRICS = 10;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const PARTITIONS = 4;
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 2000);
/** Offered load: samples per second the producers publish (ticks are spaced to match). */
const RATE = Number(process.env.BENCH_RATE ?? 1_700_000);

const log = (m: string) => process.stdout.write(`${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) =>
  xs.length === 0
    ? NaN
    : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

class Skip extends Error {}

/** The hosts' batches: per host and partition the ids of its series in that partition. */
function buildHosts(): Array<Array<{ partition: number; ids: BigUint64Array }>> {
  const hosts = [];
  for (let h = 0; h < HOSTS; h++) {
    const per: bigint[][] = Array.from({ length: PARTITIONS }, () => []);
    for (let c = 0; c < CONTAINERS; c++) {
      const cid = (h * CONTAINERS + c).toString(16).padStart(12, '0');
      for (let m = 0; m < METRICS; m++) {
        const id = seriesId(`container.metric${m}.${cid}`);
        per[partitionOf(id, PARTITIONS)]!.push(id);
      }
    }
    hosts.push(per.map((ids, partition) => ({ partition, ids: BigUint64Array.from(ids) })));
  }
  return hosts;
}

/**
 * BENCH_TAKEOVER_ROOTS (checkouts, comma-separated, each built): instead of
 * one takeover of each kind, BENCH_TAKEOVER_ROUNDS rounds (default 3) that
 * take partition 0 over with each checkout's build in turn, from the stream
 * (no WAL) and from a copy of the WAL the ingest left, on the same stream:
 * before/after comparisons alternate on identical data. The CPU figure is the
 * ingestor's from its start to serving (process start-up included).
 * `<checkout>@NAME=value@…` runs that checkout with settings of its own.
 */
async function takeoverRounds(
  roots: string[],
  env: Record<string, string>,
  walDir: string,
): Promise<void> {
  const saved = `${walDir}.saved`;
  fs.cpSync(walDir, saved, { recursive: true });
  const rounds = Number(process.env.BENCH_TAKEOVER_ROUNDS ?? 3);
  for (let r = 1; r <= rounds; r++)
    for (const root of roots)
      for (const source of ['stream', 'wal'] as const) {
        fs.rmSync(walDir, { recursive: true, force: true });
        if (source === 'wal') fs.cpSync(saved, walDir, { recursive: true });
        // `root@NAME=value@…`: that checkout with settings of its own.
        const [dir, ...settings] = root.split('@');
        const own = Object.fromEntries(settings.map((kv) => kv.split('=', 2) as [string, string]));
        const ingestor = Ingestor.start({ ...env, ...own }, dir);
        try {
          const line = await waitFor(
            async () => ingestor.servingLines()[0],
            `takeover from the ${source} (${root})`,
            600_000,
          );
          const cpu = ingestor.cpuSeconds();
          const sched = ingestor.schedSeconds();
          log(
            `round ${r} ${root} from the ${source}: ${line.points.toLocaleString()} hot samples in ${line.ms} ms (${Math.round((line.ms * 1e7) / line.points)} ms per 10 M), ${cpu.toFixed(2)} CPU-s from start (${((cpu * 1e7) / line.points).toFixed(2)} per 10 M); main thread ${sched.run.toFixed(2)} s on a CPU, ${sched.wait.toFixed(2)} s waiting for one`,
          );
          if (line.source !== source) log(`  (state came from ${line.source})`);
          for (const m of ingestor.output.matchAll(/replayed .* from the stream in \d+ ms/g))
            log(`  ${m[0]}`);
        } finally {
          // --cpu-prof writes its profile only on a normal exit.
          await ingestor.stop(process.env.BENCH_INGESTOR_NODE_ARGS ? 'SIGTERM' : 'SIGKILL');
          // Writes the killed process left to the kernel land before the next takeover reads.
          await sleep(2000);
        }
      }
}

async function main(): Promise<void> {
  const series = HOSTS * CONTAINERS * METRICS;
  const figures: Record<string, number | string> = {
    hosts: HOSTS,
    series,
    seconds: SECONDS,
    batch_version: BATCH_VERSION,
  };
  log(
    `ingest benchmark: ${HOSTS} hosts × ${CONTAINERS} containers × ${METRICS} metrics = ${series.toLocaleString()} series, ${SECONDS} s`,
  );
  const server = await NatsServer.start();
  const data = tempDir('ztsdb-bench-ingest-');
  const httpPort = await freePort();
  const metricsUrl = `http://127.0.0.1:${httpPort}/metrics`;
  const env = {
    NATS_URL: server.url,
    ZTSDB_DATA_DIR: data.path,
    ZTSDB_PARTITIONS: String(PARTITIONS),
    ZTSDB_INGESTOR_ID: 'bench',
    ZTSDB_LEASE_TTL_MS: '3000',
    ZTSDB_INGESTOR_HTTP_ADDR: `127.0.0.1:${httpPort}`,
  };
  // BENCH_INGESTOR_ROOT: another checkout's (built) ingestor, for before/after comparisons.
  let ingestor = Ingestor.start(env, process.env.BENCH_INGESTOR_ROOT);
  const nc: NatsConnection = await connect({ servers: server.url });
  try {
    await waitFor(
      async () => ingestor.servingLines().length === PARTITIONS,
      'the ingestor to own every partition',
      30_000,
    );
    await sleep(500);
    const baseRss = ingestor.rssBytes();
    const hosts = buildHosts();
    const js = jetstream(nc, { timeout: 30_000 });

    // Producers: one batch per host and partition per tick; ticks back to back.
    const t0Data = Date.now() - 10_000; // data time runs ahead of the clock by RATE / series, well within ZTSDB_MAX_FUTURE
    let running = true;
    let acked = 0;
    let inFlight = 0;
    const published = { bytes: 0, points: 0 };
    let wake: (() => void) | undefined;
    const ts = new Float64Array(CONTAINERS * METRICS);
    const vs = new Float64Array(CONTAINERS * METRICS);
    // Values: per series a random walk kept to two decimals, like a rate or a percentage.
    const walk = hosts.map((h) => h.map((b) => Float64Array.from(b.ids, (_, i) => (i % 97) * 10)));
    const tickMs = ((HOSTS * CONTAINERS * METRICS) / RATE) * 1000;
    const startedAt = performance.now();
    const producer = (async () => {
      for (let tick = 0; running; tick++) {
        const due = startedAt + tick * tickMs;
        if (performance.now() < due) await sleep(due - performance.now());
        const t = t0Data + tick * 1000;
        ts.fill(t);
        for (const host of hosts) {
          for (const b of host) {
            if (!running) break;
            const w = walk[hosts.indexOf(host)]![b.partition]!;
            for (let i = 0; i < b.ids.length; i++)
              vs[i] = w[i] = Math.max(
                0,
                Math.round((w[i]! + (Math.random() - 0.5) * 2) * 100) / 100,
              );
            const header = {
              partition: b.partition,
              producerId: BigInt(hosts.indexOf(host) + 1),
              sequence: BigInt(tick),
            };
            const bytes = encodeBatch(header, b.ids, ts, vs);
            published.bytes += bytes.length;
            published.points += b.ids.length;
            while (inFlight >= IN_FLIGHT) await new Promise<void>((r) => (wake = r));
            if (inFlight % 64 === 0) await new Promise((r) => setImmediate(r)); // let timers run
            inFlight++;
            js.publish(samplesSubject(b.partition), bytes, { msgID: sampleBatchMsgId(header) })
              .then(
                () => {
                  acked += b.ids.length;
                },
                (e: Error) => log(`publish failed: ${e.message}`),
              )
              .finally(() => {
                inFlight--;
                wake?.();
                wake = undefined;
              });
          }
        }
      }
    })();

    // Freshness: the probe thread (freshness-probe.ts) publishes a sample of its own and times
    // from its acknowledgement until hot.p.<n> answers the point. (Until 2026-12-06 the probe ran
    // on this, the producers', event loop and took the load's next acknowledgement: its clock
    // started and stopped late whenever the producers' loop was busy.)
    const probe = startFreshnessProbe(server.url, PARTITIONS, BigInt(HOSTS + 1));
    const ownLag = monitorEventLoopDelay({ resolution: 5 });

    const warm = Math.min(5, SECONDS / 4);
    await sleep(warm * 1000);
    const a0 = await appliedPoints(metricsUrl);
    const h0 = await snapshotHolds(metricsUrl);
    const c0 = ingestor.cpuSeconds();
    const k0 = acked;
    const w0 = performance.now();
    probe.measure();
    ownLag.enable();
    await sleep((SECONDS - warm) * 1000);
    ownLag.disable();
    const probing = probe.stop();
    // Over the window: a0's read of /metrics reset the ingestor's event-loop delay histogram.
    const lag = await eventLoopDelay(metricsUrl);
    const a1 = await appliedPoints(metricsUrl);
    const h1 = await snapshotHolds(metricsUrl);
    const c1 = ingestor.cpuSeconds();
    const k1 = acked;
    const window = (performance.now() - w0) / 1000;
    running = false;
    wake?.();
    await producer;
    const probed = await probing;
    while (inFlight > 0) await sleep(10);
    const catchUp0 = performance.now();
    await waitFor(
      async () => (await appliedPoints(metricsUrl)) >= acked,
      'the ingestor to apply every acknowledged sample',
      600_000,
    );
    const catchUpMs = performance.now() - catchUp0;
    figures.acked_samples_per_s = Math.round((k1 - k0) / window);
    figures.applied_samples_per_s = Math.round((a1 - a0) / window);
    figures.sustained_samples_per_s = Math.min(
      figures.acked_samples_per_s,
      figures.applied_samples_per_s,
    );
    // CPU the ingestor spent per applied sample: less sensitive than rates to what else runs on the machine.
    figures.ingestor_cpu_ns_per_sample = Math.round(((c1 - c0) * 1e9) / Math.max(1, a1 - a0));
    figures.ingestor_cpu_cores = +((c1 - c0) / window).toFixed(2);
    figures.batch_bytes_per_sample = +(published.bytes / Math.max(1, published.points)).toFixed(2);
    figures.ingestor_event_loop_delay_p99_ms = +lag.p99.toFixed(1);
    figures.ingestor_event_loop_delay_max_ms = +lag.max.toFixed(1);
    // A snapshot lays its head out with the partition's applies held: what a probe may wait out.
    figures.snapshot_holds = h1.count - h0.count;
    figures.snapshot_hold_mean_ms = +(
      ((h1.seconds - h0.seconds) * 1000) /
      Math.max(1, h1.count - h0.count)
    ).toFixed(1);
    figures.freshness_p50_ms = +pct(probed.fresh, 0.5).toFixed(1);
    figures.freshness_p99_ms = +pct(probed.fresh, 0.99).toFixed(1);
    figures.freshness_max_ms = +Math.max(...probed.fresh).toFixed(1);
    figures.freshness_probes = probed.fresh.length;
    figures.freshness_polls_per_probe = +probed.polls.toFixed(1);
    figures.freshness_unanswered_requests = probed.unanswered;
    figures.probe_event_loop_delay_p99_ms = +probed.ownDelayP99.toFixed(1);
    // The producers' own loop: when it lags, the offered load lags too (and the old probe's clock).
    figures.bench_event_loop_delay_p99_ms = +(ownLag.percentile(99) / 1e6).toFixed(1);
    figures.bench_event_loop_delay_max_ms = +(ownLag.max / 1e6).toFixed(1);
    figures.catch_up_after_stop_ms = Math.round(catchUpMs);
    log(
      `sustained: ${figures.acked_samples_per_s.toLocaleString()} samples/s acknowledged, ${figures.applied_samples_per_s.toLocaleString()} samples/s applied (over ${window.toFixed(0)} s)`,
    );
    log(
      `ingestor CPU: ${figures.ingestor_cpu_ns_per_sample} ns per applied sample (${figures.ingestor_cpu_cores} cores busy)`,
    );
    log(
      `freshness (ack → queryable): p50 ${figures.freshness_p50_ms} ms, p99 ${figures.freshness_p99_ms} ms, max ${figures.freshness_max_ms} ms (${probed.fresh.length} probes, ${probed.unanswered} hot requests unanswered within 5 s); ingestor event-loop delay p99 ${figures.ingestor_event_loop_delay_p99_ms} ms, max ${figures.ingestor_event_loop_delay_max_ms} ms`,
    );
    log(
      `snapshots: ${figures.snapshot_holds} held their partition's applies for ${figures.snapshot_hold_mean_ms} ms on average`,
    );
    log(`backlog after the producers stopped: applied within ${Math.round(catchUpMs)} ms`);

    // Memory.
    const hotSamples = acked;
    await sleep(1000);
    const rss = ingestor.rssBytes();
    figures.offered_samples_per_s = RATE;
    figures.hot_samples = hotSamples;
    figures.rss_anon_mb = Math.round(rss / 2 ** 20);
    figures.vm_rss_mb = Math.round(ingestor.rssBytes('VmRSS') / 2 ** 20);
    figures.rss_anon_delta_bytes_per_series = Math.round((rss - baseRss) / series);
    // Where the anonymous memory is: the V8 heap (used, and reserved with its garbage) and
    // buffers outside it (typed arrays, Buffers); the rest is the allocator, code and LMDB.
    const runtime = await runtimeMemory(metricsUrl);
    figures.heap_used_mb = Math.round(runtime.heapUsed / 2 ** 20);
    figures.heap_total_mb = Math.round(runtime.heapTotal / 2 ** 20);
    figures.external_mb = Math.round(runtime.external / 2 ** 20);
    figures.memory_budget_mb = Math.round((series * 1024 + hotSamples * 1.5) / 2 ** 20);
    figures.memory_delta_mb = Math.round((rss - baseRss) / 2 ** 20);
    log(
      `memory: V8 heap ${figures.heap_used_mb} MiB used of ${figures.heap_total_mb} MiB, ${figures.external_mb} MiB outside the heap`,
    );
    log(
      `memory: anonymous RSS ${figures.rss_anon_mb} MiB (+${figures.memory_delta_mb} MiB over idle = ${figures.rss_anon_delta_bytes_per_series} B per series with ${(hotSamples / series).toFixed(0)} hot samples each; ` +
        `VmRSS with the LMDB map ${figures.vm_rss_mb} MiB); budget 1 KiB/series + 1.5 B/sample = ${figures.memory_budget_mb} MiB`,
    );

    // Takeover of one partition (the restarted replica pins partition 0), from
    // the local WAL (same host: SIGKILL and restart) and from the stream (disk lost).
    const one = { ...env, ZTSDB_INGESTOR_PARTITIONS: '0' };
    if (process.env.BENCH_SKIP_TAKEOVER) throw new Skip();
    await ingestor.stop('SIGKILL');
    const roots = (process.env.BENCH_TAKEOVER_ROOTS ?? '').split(',').filter(Boolean);
    if (roots.length > 0) {
      await takeoverRounds(roots, one, path.join(data.path, 'wal'));
      throw new Skip();
    }
    ingestor = Ingestor.start(one);
    await waitFor(
      async () => ingestor.servingLines().length === 1,
      'takeover from the WAL',
      600_000,
    );
    const fromWal = ingestor.servingLines();
    await ingestor.stop('SIGKILL');
    fs.rmSync(path.join(data.path, 'wal'), { recursive: true, force: true });
    ingestor = Ingestor.start(one);
    await waitFor(
      async () => ingestor.servingLines().length === 1,
      'takeover from the stream',
      600_000,
    );
    const fromStream = ingestor.servingLines();
    for (const [name, lines] of [
      ['wal', fromWal],
      ['stream', fromStream],
    ] as const) {
      const biggest = lines.reduce((a, b) => (b.points > a.points ? b : a));
      const per10M = biggest.points > 0 ? (biggest.ms * 1e7) / biggest.points : NaN;
      figures[`takeover_${name}_partition_points`] = biggest.points;
      figures[`takeover_${name}_ms`] = biggest.ms;
      figures[`takeover_${name}_ms_per_10M`] = Math.round(per10M);
      log(
        `takeover from the ${name}: a partition of ${biggest.points.toLocaleString()} hot samples in ${biggest.ms} ms (${Math.round(per10M)} ms per 10 M samples, scaled)`,
      );
    }
    const check = await nc.request(
      hotSubject(fromStream[0]!.partition),
      JSON.stringify({
        ids: [seriesKey(hosts[0]![fromStream[0]!.partition]!.ids[0]!)],
        start: 0,
        end: 8.64e15,
      }),
      { timeout: 10_000 },
    );
    figures.points_of_one_series_after_takeover =
      decodeHotReply(check.data).series[0]?.timestamps.length ?? 0;
  } catch (e) {
    if (!(e instanceof Skip)) throw e;
  } finally {
    await ingestor.stop('SIGTERM').catch(() => undefined);
    // BENCH_INGESTOR_LOG=<file>: the ingestor's own output, to read what it said during the run.
    if (process.env.BENCH_INGESTOR_LOG)
      fs.writeFileSync(process.env.BENCH_INGESTOR_LOG, ingestor.output);
    await nc.close();
    await server.stop();
    data.remove();
  }
  log(JSON.stringify(figures));
}

main().catch((e: Error) => {
  log(`bench failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
