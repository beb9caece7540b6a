// The Prometheus side of bench:promql: the same data loaded into a real Prometheus (Debian
// package `prometheus`, 2.42) with `promtool tsdb create-blocks-from openmetrics`, Prometheus
// started on a free loopback port with those blocks, stopped by its pid afterwards.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One series as both stores see it: its label set and its values at shared timestamps. */
export interface SeriesData {
  labels: Record<string, string>;
  values: Float64Array;
}

/** Writes the series as OpenMetrics text (timestamps in seconds), streamed: it is gigabytes. */
export async function writeOpenMetrics(
  file: string,
  series: Iterable<SeriesData>,
  timestampsMs: Float64Array,
): Promise<number> {
  const out = fs.createWriteStream(file);
  const secs = Array.from(timestampsMs, (t) => ` ${t / 1000}\n`);
  let bytes = 0;
  for (const s of series) {
    const { __name__: name, ...rest } = s.labels;
    const head = `${name}{${Object.keys(rest)
      .sort()
      .map((k) => `${k}=${JSON.stringify(rest[k])}`)
      .join(',')}} `;
    const lines: string[] = [];
    for (let i = 0; i < s.values.length; i++) lines.push(head + String(s.values[i]) + secs[i]);
    const text = lines.join('');
    bytes += text.length;
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.write('# EOF\n');
  await new Promise<void>((resolve, reject) =>
    out.end((e?: Error | null) => (e ? reject(e) : resolve())),
  );
  return bytes;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningPrometheus {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** promtool's blocks from `openMetricsFile` in `dir`/tsdb, then Prometheus serving them. */
export async function startPrometheus(
  dir: string,
  openMetricsFile: string,
): Promise<RunningPrometheus> {
  const blocks = path.join(dir, 'tsdb');
  try {
    await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', openMetricsFile, blocks], {
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('promtool is not installed: apt-get install prometheus', { cause: e });
    throw e;
  }
  fs.rmSync(openMetricsFile);
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(config, 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${blocks}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=30d',
    ],
    { stdio: 'ignore' },
  );
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited with code ${proc.exitCode}`);
    const ok = await fetch(`${url}/-/ready`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return { url, port, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error('prometheus did not become ready within 300 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
