// The query service as `ztsdb query`, a process of its own (BENCH_QUERY_PROCESS=1): started
// from this checkout's build, ready once /readyz answers 200, its CPU read per request from
// the scheduler's counters of every thread (the main thread, libuv's pool, V8's GC helpers).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

/** The checkout whose build runs: this one, or BENCH_QUERY_ROOT (another build, for before/after). */
const BIN = path.join(
  process.env.BENCH_QUERY_ROOT ?? path.join(__dirname, '..', '..', '..'),
  'bin',
  'ztsdb.js',
);
/** Node flags for the query process only (a CPU profile: `--cpu-prof --cpu-prof-dir=D`). */
const NODE_ARGS = (process.env.BENCH_QUERY_NODE_ARGS ?? '').split(' ').filter(Boolean);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path: '/readyz' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', () => resolve(0));
  });
}

export class QueryProcess {
  private output = '';
  private constructor(private readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  /** Starts it with these settings (and this environment) on `port`; resolves once it is ready. */
  static async start(env: Record<string, string>, port: number): Promise<QueryProcess> {
    const q = new QueryProcess(
      spawn(process.execPath, [...NODE_ARGS, BIN, 'query'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    for (let waited = 0; (await readyz(port)) !== 200; waited += 200) {
      if (q.proc.exitCode !== null || waited > 60_000) {
        await q.stop();
        throw new Error(`ztsdb query did not get ready on port ${port}:\n${q.output}`);
      }
      await sleep(200);
    }
    return q;
  }

  /** CPU time of all its threads so far (the `user` field holds the total; schedstat has no split). */
  cpuUsage(): NodeJS.CpuUsage {
    const dir = `/proc/${this.proc.pid}/task`;
    let ns = 0;
    for (const t of fs.readdirSync(dir)) {
      try {
        ns += Number(fs.readFileSync(`${dir}/${t}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // a thread that ended between the listing and the read
      }
    }
    return { user: ns / 1000, system: 0 };
  }

  /** VmHWM and VmRSS, in KiB. */
  memoryKiB(): { hwm: number; rss: number } {
    const st = fs.readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
    const kib = (k: string): number =>
      Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? NaN);
    return { hwm: kib('VmHWM'), rss: kib('VmRSS') };
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await done;
  }
}
