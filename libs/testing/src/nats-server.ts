import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServerOptions {
  /** JetStream store; a fresh temporary directory when absent (removed by stop()). */
  storeDir?: string;
  /** Fixed port; a free one chosen by the server when absent. */
  port?: number;
  binary?: string;
  startTimeoutMs?: number;
  /**
   * A configuration file (users, permissions, TLS). The port, address and
   * store above still apply: the server runs a copy whose `store_dir` is the store.
   */
  configFile?: string;
}

/** The server's log (with a config file it goes to `server.log` in the work dir). */
const LOG_FILE = 'server.log';

const CANDIDATES = [
  'nats-server',
  '/usr/sbin/nats-server',
  '/usr/bin/nats-server',
  '/usr/local/bin/nats-server',
];

/** Path of a runnable nats-server, or undefined. */
export function findNatsServer(explicit?: string): string | undefined {
  for (const c of explicit ? [explicit] : CANDIDATES) {
    const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  return undefined;
}

/**
 * A real `nats-server -js` on a loopback port, as nats.js's own test launcher runs it:
 * port -1 (free port), a ports file to learn it, a temporary store, everything removed on stop.
 */
export class NatsServer {
  private constructor(
    private proc: ChildProcess,
    readonly port: number,
    readonly storeDir: string,
    private readonly ownsStore: boolean,
    private readonly workDir: string,
    private readonly binary: string,
    private readonly configFile: string | undefined,
    stderr: () => string,
  ) {
    this.watchExit(proc, stderr);
  }

  /** True while this harness ends the process itself (stop, restart, halt). */
  private exiting = false;

  /**
   * Says so on stderr when the server's process ends without the harness ending it, with what
   * it wrote there: otherwise a test only sees its clients lose the connection.
   */
  private watchExit(proc: ChildProcess, stderr: () => string): void {
    proc.once('exit', (code, signal) => {
      if (this.exiting) return;
      process.stderr.write(
        `nats-server on port ${this.port} (pid ${proc.pid}) exited by itself (${signal ?? `code ${code}`}): ${stderr() || 'nothing on stderr'}\n`,
      );
    });
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** What the server logged so far (only with `configFile`: permission violations and refused logins). */
  log(): string {
    try {
      return readFileSync(join(this.workDir, LOG_FILE), 'utf8');
    } catch {
      return '';
    }
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  static async start(opts: NatsServerOptions = {}): Promise<NatsServer> {
    const binary = findNatsServer(opts.binary);
    if (!binary) {
      throw new Error(
        'nats-server was not found on PATH. Install it (Debian/Ubuntu: apt-get install nats-server) to run these tests.',
      );
    }
    const workDir = mkdtempSync(join(tmpdir(), 'ztsdb-nats-'));
    const ownsStore = !opts.storeDir;
    const storeDir = opts.storeDir ?? join(workDir, 'store');
    const { proc, port, stderr } = await launch(
      binary,
      workDir,
      storeDir,
      opts.port ?? -1,
      opts.startTimeoutMs ?? 10_000,
      opts.configFile,
    );
    return new NatsServer(
      proc,
      port,
      storeDir,
      ownsStore,
      workDir,
      binary,
      opts.configFile,
      stderr,
    );
  }

  /** Stops the server and starts it again on the same port with the same store. */
  async restart(downMs = 0): Promise<void> {
    await this.kill();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.resume();
  }

  /** True while the server's process runs. */
  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /**
   * Ends the server's process by its PID and keeps its store: SIGKILL is a
   * crash (nothing flushed, no goodbye to clients or cluster peers).
   */
  async halt(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.kill(signal);
  }

  /** Starts a halted server again on the same port with the same store and configuration. */
  async resume(): Promise<void> {
    if (this.running) return;
    const { proc, stderr } = await launch(
      this.binary,
      this.workDir,
      this.storeDir,
      this.port,
      10_000,
      this.configFile,
    );
    this.proc = proc;
    this.watchExit(proc, stderr);
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.workDir, { recursive: true, force: true });
    if (!this.ownsStore) return;
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  private async kill(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    this.exiting = true;
    p.kill(signal);
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    this.exiting = false;
  }
}

async function launch(
  binary: string,
  workDir: string,
  storeDir: string,
  port: number,
  timeoutMs: number,
  configFile?: string,
): Promise<{ proc: ChildProcess; port: number; stderr: () => string }> {
  for (const f of readdirSync(workDir)) if (f.endsWith('.ports')) rmSync(join(workDir, f));
  const args = [
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    '-js',
    '-sd',
    storeDir,
    '--ports_file_dir',
    workDir,
  ];
  if (configFile) {
    // A store_dir in the file and -sd on the command line are refused as a duplicate.
    const text = readFileSync(configFile, 'utf8');
    const copy = join(workDir, 'server.conf');
    const storeLine = /^(\s*store_dir\s*[:=]\s*).*$/m;
    writeFileSync(
      copy,
      storeLine.test(text) ? text.replace(storeLine, `$1${JSON.stringify(storeDir)}`) : text,
      {
        mode: 0o600,
      },
    );
    if (storeLine.test(text)) args.splice(args.indexOf('-sd'), 2);
    args.push('-c', copy, '-l', join(workDir, LOG_FILE));
  }
  const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      // With a config file the server logs to a file: its reason is there.
      let logged = '';
      try {
        logged = readFileSync(join(workDir, LOG_FILE), 'utf8').slice(-2000);
      } catch {
        // nothing logged
      }
      throw new Error(`nats-server exited with ${proc.exitCode}: ${stderr}${logged}`);
    }
    const portsFile = readdirSync(workDir).find((f) => f.endsWith('.ports'));
    if (portsFile) {
      try {
        const info = JSON.parse(readFileSync(join(workDir, portsFile), 'utf8')) as {
          nats?: string[];
        };
        const url = info.nats?.[0];
        const m = url && /:(\d+)$/.exec(url);
        // The server writes the ports file once its listeners (and JetStream) are up.
        if (m) return { proc, port: Number(m[1]), stderr: () => stderr };
      } catch {
        // the file may be half written; try again
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  proc.kill('SIGKILL');
  throw new Error(`nats-server did not start within ${timeoutMs} ms: ${stderr}`);
}
