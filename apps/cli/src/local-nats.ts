import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  natsAnswers,
  natsServerList,
  redactUrl,
  splitUrlCredentials,
  type NatsAuth,
} from '@ztsdb/bus';
import { NATS_STORE_DIR } from '@ztsdb/config-lite';

export class NatsUnavailableError extends Error {}

const BINARIES = ['nats-server', '/usr/sbin/nats-server', '/usr/local/bin/nats-server'];

function findBinary(explicit: string | undefined): string | undefined {
  return (explicit ? [explicit] : BINARIES).find((b) => spawnSync(b, ['--version']).status === 0);
}

/**
 * For `ztsdb all`: use the server at NATS_URL when it answers; otherwise start
 * `nats-server -js` on that loopback address with its store under the data dir.
 * Returns the child process to stop on exit, or undefined when none was started.
 */
export async function ensureLocalNats(
  url: string,
  dataDir: string,
  binaryPath: string | undefined,
  log: (m: string) => void,
  auth?: NatsAuth,
): Promise<ChildProcess | undefined> {
  if (await natsAnswers(url, 1000, auth)) return undefined;
  const shown = redactUrl(url);
  if (natsServerList(url).length > 1) {
    throw new NatsUnavailableError(
      `no NATS server answers at any of ${shown}; ztsdb starts a local server only for a single address`,
    );
  }
  const u = new URL(splitUrlCredentials(url.trim()).url.replace(/^nats:/, 'http:'));
  const host = u.hostname;
  const port = Number(u.port || 4222);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new NatsUnavailableError(
      `no NATS server answers at ${shown}, and it is not a local address ztsdb could start one on`,
    );
  }
  const binary = findBinary(binaryPath);
  if (!binary) {
    throw new NatsUnavailableError(
      `no NATS server answers at ${shown} and nats-server is not installed${binaryPath ? ` at ${binaryPath}` : ''}.\n` +
        `Install it (Debian/Ubuntu: sudo apt-get install nats-server), or point NATS_URL at a running server with JetStream.`,
    );
  }
  const storeDir = join(dataDir, NATS_STORE_DIR);
  mkdirSync(storeDir, { recursive: true });
  log(`no NATS server at ${shown}; starting ${binary} -js with its store in ${storeDir}`);
  const child = spawn(
    binary,
    ['-a', host === 'localhost' ? '127.0.0.1' : host, '-p', String(port), '-js', '-sd', storeDir],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new NatsUnavailableError(`nats-server exited with ${child.exitCode}: ${stderr}`);
    if (await natsAnswers(url, 500, auth)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new NatsUnavailableError(`nats-server did not answer at ${shown} within 10 s: ${stderr}`);
}
