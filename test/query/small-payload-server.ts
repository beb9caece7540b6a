import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { findNatsServer } from '@ztsdb/testing';
import { freePort } from '../support/ztsdb-process';

/**
 * A real nats-server (core NATS, no JetStream) on a loopback port with a
 * small `max_payload`, for tests of replies that must be split. stop() kills
 * it (by its own PID) and removes its config.
 */
export class SmallPayloadServer {
  private constructor(
    private readonly proc: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(maxPayload: number): Promise<SmallPayloadServer> {
    const binary = findNatsServer();
    if (!binary)
      throw new Error(
        'nats-server was not found on PATH. Install it (Debian/Ubuntu: apt-get install nats-server).',
      );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-nats-small-'));
    const port = await freePort();
    const conf = path.join(dir, 'server.conf');
    fs.writeFileSync(conf, `listen: "127.0.0.1:${port}"\nmax_payload: ${maxPayload}\n`);
    const proc = spawn(binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const server = new SmallPayloadServer(proc, port, dir);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) break;
      if (await canConnect(port)) return server;
      await new Promise((r) => setTimeout(r, 50));
    }
    await server.stop();
    throw new Error(`nats-server with max_payload ${maxPayload} did not start: ${stderr}`);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
      this.proc.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
