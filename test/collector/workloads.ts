/** Processes run inside test containers, and a loopback server outside them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import type { SandboxContainer } from '@ztsdb/ebpf-source';

/** Burns `argv[1]` ms of CPU time (not wall time: the machine is shared). */
export const BURN_CPU =
  'const ms = Number(process.argv[1]); const t = process.cpuUsage(); for (;;) { const u = process.cpuUsage(t); if (u.user + u.system >= ms * 1000) break; }';

/** Spins until killed. */
export const SPIN = 'for (;;) {}';

/** Connects to argv[1], sends argv[2] bytes, half-closes, prints how many came back. */
export const TCP_CLIENT = `
const net = require('net');
const [port, size] = process.argv.slice(1).map(Number);
const s = net.connect(port, '127.0.0.1', () => s.end(Buffer.alloc(size, 7)));
let got = 0;
s.on('data', (d) => (got += d.length));
s.on('end', () => console.log(got));
`;

export interface Workload {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string }>;
}

const running = new Set<Workload>();

/**
 * `node -e script args` inside the container: a shell moves itself into every
 * cgroup of the container (v1 first, then v2), then execs node, so every thread
 * and socket of the script belongs to it.
 */
export function nodeIn(c: SandboxContainer, script: string, args: string[] = []): Workload {
  const child = spawn(
    'sh',
    [
      '-c',
      'for d in $CGROUPS; do echo $$ > "$d/cgroup.procs" || exit 97; done; exec "$0" "$@"',
      process.execPath,
      '-e',
      script,
      ...args,
    ],
    {
      env: { ...process.env, CGROUPS: [...c.v1, c.v2].join(' ') },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return track(child);
}

function track(child: ChildProcess): Workload {
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const w: Workload = {
    child,
    done: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    }),
  };
  running.add(w);
  void w.done.finally(() => running.delete(w)).catch(() => undefined);
  return w;
}

/**
 * A shell spinning in the container: it starts in a millisecond even on a
 * loaded machine, where starting node can take longer than a short-lived
 * container lives.
 */
export function spinIn(c: SandboxContainer): Workload {
  return track(
    spawn(
      'sh',
      [
        '-c',
        'for d in $CGROUPS; do echo $$ > "$d/cgroup.procs" || exit 97; done; while :; do :; done',
      ],
      {
        env: { ...process.env, CGROUPS: [...c.v1, c.v2].join(' ') },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ),
  );
}

/** Kills one workload by its PID (if still running) and waits for it. */
export async function stop(w: Workload): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null && w.child.pid !== undefined)
    process.kill(w.child.pid, 'SIGKILL');
  await w.done.catch(() => undefined);
}

/** Kills every workload still running (afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map(stop));
}

/** Loopback echo-ish server: reads everything, then answers with `size` bytes; resolves what it received. */
export async function transferServer(
  size: number,
): Promise<{ port: number; received: Promise<number>; close: () => Promise<void> }> {
  let resolveReceived!: (n: number) => void;
  const received = new Promise<number>((r) => (resolveReceived = r));
  const server = createServer((sock) => {
    let n = 0;
    sock.on('data', (d) => (n += d.length));
    sock.on('end', () => {
      resolveReceived(n);
      sock.end(Buffer.alloc(size, 9));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
