import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
const BIN = join(REPO_ROOT, 'bin', 'ztsdb.js');
const BUILT = join(REPO_ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');

// Tests import it from here beside the process helpers; one implementation in libs/testing.
export { freePort } from '@ztsdb/testing';

const running = new Set<ZtsdbProcess>();

/** Stops every ztsdb child a test file started and left running (call in afterAll). */
export async function stopAllZtsdb(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGKILL')));
}

/** `ztsdb <args>` as a child process, from the built tree (`npm test` builds first). */
export class ZtsdbProcess {
  output = '';
  /** Resolves once the process has exited and its stdout and stderr are read to the end. */
  private readonly closed: Promise<number | null>;
  private constructor(readonly proc: ChildProcess) {
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    running.add(this);
    proc.once('exit', () => running.delete(this));
    this.closed = new Promise((r) => proc.once('close', (code) => r(code)));
  }

  static start(args: string[], env: Record<string, string>): ZtsdbProcess {
    if (!existsSync(BUILT))
      throw new Error(
        `${BUILT} is missing: run "npm run build" before the end-to-end tests (npm test does)`,
      );
    const proc = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ZTSDB_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ZtsdbProcess(proc);
  }

  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  /** Stops it by PID with `signal`, waiting for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | null> {
    if (this.exited) return this.proc.exitCode;
    const done = new Promise<number | null>((r) => this.proc.once('exit', (code) => r(code)));
    this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    const code = await done;
    clearTimeout(timer);
    return code;
  }

  /**
   * Resolves with the exit code once the process ends and all it wrote is in `output` ('exit'
   * can come before the last of stderr is read: 'close' comes after both).
   */
  async exit(timeoutMs = 20_000): Promise<number | null> {
    let t: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      t = setTimeout(
        () => reject(new Error(`ztsdb did not exit within ${timeoutMs} ms:\n${this.output}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.closed, late]);
    } finally {
      clearTimeout(t);
    }
  }
}

// Tests read answers of several shapes; `any` keeps their assertions short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body };
}
