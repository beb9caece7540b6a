// The ingest benchmark's `ztsdb ingestor` child process (its output, memory, CPU and
// scheduling figures, the takeover lines it logs) and the helpers that poll it.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export class Ingestor {
  output = '';
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
  }
  /** `root`: the checkout whose build runs (another one than this: BENCH_TAKEOVER_ROOTS). */
  static start(env: Record<string, string>, root = ROOT): Ingestor {
    const extra = (process.env.BENCH_INGESTOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const proc = spawn(
      process.execPath,
      ['--max-old-space-size=6144', ...extra, path.join(root, 'bin', 'ztsdb.js'), 'ingestor'],
      {
        env: { ...process.env, ZTSDB_LOG_LEVEL: 'info', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new Ingestor(proc);
  }
  /** VmRSS, or RssAnon (heap and buffers, without the LMDB map's file pages). */
  rssBytes(kind: 'VmRSS' | 'RssAnon' = 'RssAnon'): number {
    const m = new RegExp(`${kind}:\\s+(\\d+) kB`).exec(
      fs.readFileSync(`/proc/${this.proc.pid}/status`, 'utf8'),
    );
    return m ? Number(m[1]) * 1024 : NaN;
  }
  async stop(signal: NodeJS.Signals): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill(signal);
    await done;
  }
  /** User + system CPU time of the process so far, in seconds (/proc/<pid>/stat). */
  cpuSeconds(): number {
    const f = fs.readFileSync(`/proc/${this.proc.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  }
  /** The main thread's time on a CPU and waiting for one, in seconds (/proc/<pid>/schedstat). */
  schedSeconds(): { run: number; wait: number } {
    const [run, wait] = fs.readFileSync(`/proc/${this.proc.pid}/schedstat`, 'utf8').split(' ');
    return { run: Number(run) / 1e9, wait: Number(wait) / 1e9 };
  }
  /** `partition N: serving (state from X, from sequence S, H hot points, M ms)` lines. */
  servingLines(): Array<{ partition: number; source: string; points: number; ms: number }> {
    const out = [];
    for (const m of this.output.matchAll(
      /partition (\d+): serving \(state from (\w+), from sequence \d+, (\d+) hot points, (\d+) ms\)/g,
    )) {
      out.push({ partition: Number(m[1]), source: m[2]!, points: Number(m[3]), ms: Number(m[4]) });
    }
    return out;
  }
}

export async function appliedPoints(metricsUrl: string): Promise<number> {
  const text = await fetch(metricsUrl).then((r) => r.text());
  let n = 0;
  for (const m of text.matchAll(/^ztsdb_ingestor_points_total\{[^}]*\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

/**
 * The ingestor's event-loop delay since its /metrics was last read (prom-client resets the
 * histogram at each read), in ms: p99 and max. Its stalls (snapshots, GC) are what a freshness
 * probe waits out on top of the backlog.
 */
export async function eventLoopDelay(metricsUrl: string): Promise<{ p99: number; max: number }> {
  const gauge = await gauges(metricsUrl);
  return {
    p99: gauge('nodejs_eventloop_lag_p99_seconds') * 1000,
    max: gauge('nodejs_eventloop_lag_max_seconds') * 1000,
  };
}

/** The snapshots' holds of their partitions' applies so far: how many, and their seconds in all. */
export async function snapshotHolds(
  metricsUrl: string,
): Promise<{ count: number; seconds: number }> {
  const gauge = await gauges(metricsUrl);
  return {
    count: gauge('ztsdb_ingestor_snapshot_hold_seconds_count'),
    seconds: gauge('ztsdb_ingestor_snapshot_hold_seconds_sum'),
  };
}

/** One read of the ingestor's /metrics, its unlabelled gauges by name (NaN when absent). */
async function gauges(metricsUrl: string): Promise<(name: string) => number> {
  const text = await fetch(metricsUrl).then((r) => r.text());
  return (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
}

/** The ingestor's V8 heap and off-heap figures from its /metrics (prom-client's runtime gauges). */
export async function runtimeMemory(
  metricsUrl: string,
): Promise<{ heapUsed: number; heapTotal: number; external: number }> {
  const gauge = await gauges(metricsUrl);
  return {
    heapUsed: gauge('nodejs_heap_size_used_bytes'),
    heapTotal: gauge('nodejs_heap_size_total_bytes'),
    external: gauge('nodejs_external_memory_bytes'),
  };
}

export async function waitFor<T>(
  f: () => Promise<T | undefined | false>,
  what: string,
  ms: number,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
