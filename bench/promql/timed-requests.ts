// The benchmark's HTTP client: a query as a form-encoded POST (as Grafana sends query_range),
// timed to the answer's last byte, its CPU per run from this process or from the query
// process, and every answer checked.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { getText, metricSum } from '../support/metrics-text';
import { portOf, serveAnswer } from './canned-server';

const ms = (): number => Number(process.hrtime.bigint()) / 1e6;
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(s.length * p))]! * 1000) / 1000;
};

export interface Timed {
  first: number;
  p50: number;
  p99: number;
  /** CPU time per run, p50: of this process (the in-process query service and the client), or of the query process alone (BENCH_QUERY_PROCESS). */
  cpuP50: number;
  series: number;
  /** The last answer's bytes, for the exchange floor (`exchangeFloor`). */
  answer: Buffer;
}

/** The first run apart, then `runs` timed runs (`before` runs untimed ahead of each). */
export async function measure(
  what: string,
  agent: http.Agent,
  port: number,
  form: Record<string, string>,
  runs: number,
  opts: {
    /** Untimed runs first (none when `before` is given). */
    warmup?: number;
    /** Called before each run, untimed. */
    before?: () => void;
    /** The query process's CPU so far, when it runs apart from this one. */
    serverCpu?: () => NodeJS.CpuUsage;
    /** Awaited after the first run, before the timed ones (a server's counters read there). */
    afterFirst?: () => Promise<void>;
  } = {},
): Promise<Timed> {
  const { before, serverCpu } = opts;
  const times: number[] = [];
  const cpu: number[] = [];
  let first = 0;
  let series = 0;
  let last: Buffer = Buffer.alloc(0);
  for (let i = 0; i < (opts.warmup ?? 0) && before === undefined; i++)
    await post(agent, port, form);
  for (let i = 0; i < runs + 1; i++) {
    before?.();
    const c = serverCpu ? serverCpu() : process.cpuUsage();
    const t = ms();
    const answer = await post(agent, port, form);
    // Timed to the answer's last byte: the client's JSON.parse (about 2 ms for 3,600 points
    // here, the same for both servers) is the client's cost, not the server's.
    const dt = answer.endMs - t;
    const used = serverCpu ? serverCpu() : answer.endCpu;
    if (i > 0) cpu.push((used.user - c.user + used.system - c.system) / 1000);
    const body = JSON.parse(answer.raw.toString('utf8')) as {
      status: string;
      data?: { result: unknown[] };
    };
    if (body.status !== 'success')
      throw new Error(`${what}: ${JSON.stringify(body).slice(0, 300)}`);
    series = body.data!.result.length;
    last = answer.raw;
    if (i === 0) {
      first = Math.round(dt * 1000) / 1000;
      await opts.afterFirst?.();
    } else times.push(dt);
  }
  if (process.env.BENCH_TIMES === '1')
    process.stdout.write(`${what} times: ${times.map((x) => x.toFixed(2)).join(' ')}\n`);
  return {
    first,
    p50: pct(times, 0.5),
    p99: pct(times, 0.99),
    cpuP50: pct(cpu, 0.5),
    series,
    answer: last,
  };
}

/** A form-encoded POST, as Grafana sends query_range; resolves with the answer's bytes, the time and CPU usage at its end. */
export function post(
  agent: http.Agent,
  port: number,
  form: Record<string, string>,
): Promise<{ raw: Buffer; endMs: number; endCpu: NodeJS.CpuUsage }> {
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
          const endMs = ms();
          const endCpu = process.cpuUsage();
          resolve({ raw: Buffer.concat(chunks), endMs, endCpu });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The exchange floor of an answer: p50 of `runs` runs of this client against a process of its
 * own that does no work but send those bytes (canned-server.ts), through node:http or, with
 * `from` 'socket', straight from a raw socket, after `warmup` untimed runs (so that its code is
 * compiled), timed as `measure` times a query. What a server can save lies above it; a server
 * in another language pays its own, different, floor.
 */
export async function exchangeFloor(
  answer: Buffer,
  form: Record<string, string>,
  runs: number,
  from: 'http' | 'socket' = 'http',
  warmup = 300,
): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-bench-canned-'));
  const file = path.join(dir, 'answer.json');
  fs.writeFileSync(file, answer);
  const child = spawn(process.execPath, [path.join(__dirname, 'canned-server.js'), file, from], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      child.once('exit', (code) => reject(new Error(`canned-server exited with ${code}`)));
    });
    for (let i = 0; i < warmup + runs; i++) {
      const t = ms();
      const a = await post(agent, port, form);
      JSON.parse(a.raw.toString('utf8'));
      if (i >= warmup) times.push(a.endMs - t);
    }
  } finally {
    agent.destroy();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return pct(times, 0.5);
}

/**
 * Runs this client `runs` times against a server of its own that answers every request with
 * the same prepared matrix of `points` points, so that neither server's timed runs pay for
 * the client's own JIT warm-up: the client shares this process (and, for the in-process query
 * service, its thread), and without this its first runs were those of whichever server came
 * first (ztsdb's), while the other's found it compiled.
 */
export async function warmClient(runs: number, points = 3600): Promise<void> {
  if (runs <= 0) return;
  const values = Array.from({ length: points }, (_, i) => [1_704_067_200 + i, String(i % 97)]);
  const answer = Buffer.from(
    JSON.stringify({
      status: 'success',
      data: { resultType: 'matrix', result: [{ metric: { __name__: 'warm' }, values }] },
    }),
  );
  const server = await serveAnswer(answer);
  const port = portOf(server);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < runs; i++) {
      const answer = await post(agent, port, { query: 'warm', start: '0', end: '1', step: '1' });
      JSON.parse(answer.raw.toString('utf8'));
    }
  } finally {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Seconds summed and requests counted by a server's own latency histogram, from its /metrics. */
export interface ServerTime {
  seconds: number;
  count: number;
}

/**
 * Reads `<histogram>_sum` and `_count` of the series whose labels contain `labels` (such as
 * `endpoint="query_range"`) from the text exposition at `port`'s /metrics.
 */
export async function serverTime(
  port: number,
  histogram: string,
  labels: string,
): Promise<ServerTime> {
  const text = await getText(port, '/metrics');
  return {
    seconds: metricSum(text, `${histogram}_sum`, labels),
    count: metricSum(text, `${histogram}_count`, labels),
  };
}

/** Mean ms per request between two readings of `serverTime` (NaN when none was counted). */
export function meanServerMs(before: ServerTime, after: ServerTime): number {
  const n = after.count - before.count;
  return n > 0 ? Math.round(((after.seconds - before.seconds) / n) * 1e6) / 1000 : NaN;
}
