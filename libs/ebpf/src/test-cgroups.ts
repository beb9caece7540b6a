/**
 * Test support (not exported from index.ts): throwaway cgroups under the v2
 * root and child processes started inside them, all removed again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { findCgroup2Root } from './cgroup-fs';

export interface TestCgroup {
  path: string;
  /** Directories made for this cgroup alone, deepest first. */
  created: string[];
}

/**
 * This test process's own parent, `<v2 root>/ztsdb-ebpf-test-<pid>`: test files run in
 * parallel workers, and a shared `docker` directory would be left behind by whichever
 * worker did not make it. Removed with the last test cgroup.
 */
let privateRoot: string | undefined;

/** Makes `<private root>/docker/<64 hex>[/<nested>...]`, like Docker's cgroupfs driver. */
export function makeDockerCgroup(...nested: string[]): TestCgroup {
  const root = findCgroup2Root();
  if (!root) throw new Error('no cgroup2 mount');
  const created: string[] = [];
  let path: string;
  privateRoot ??= join(root, `ztsdb-ebpf-test-${process.pid}`);
  const docker = join(privateRoot, 'docker');
  mkdirSync(docker, { recursive: true });
  path = docker;
  for (const part of [randomBytes(32).toString('hex'), ...nested]) {
    path = join(path, part);
    mkdirSync(path);
    created.unshift(path);
  }
  return { path, created };
}

/** Moves every process left in the cgroups back to the root, then removes them. */
export function removeCgroup(cg: TestCgroup): void {
  const root = findCgroup2Root()!;
  for (const dir of cg.created) {
    if (!existsSync(dir)) continue;
    for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try {
        writeFileSync(join(root, 'cgroup.procs'), pid);
      } catch {
        // exited meanwhile
      }
    }
    rmdirSync(dir);
  }
  const docker = privateRoot && join(privateRoot, 'docker');
  if (
    docker &&
    existsSync(docker) &&
    !readdirSync(docker, { withFileTypes: true }).some((e) => e.isDirectory())
  ) {
    rmdirSync(docker);
    rmdirSync(privateRoot!);
    privateRoot = undefined;
  }
}

/** usage_usec of the cgroup's own cpu.stat (v2 core file, present without the cpu controller). */
export function cpuUsageUsec(cgroupPath: string): number {
  const m = /^usage_usec (\d+)$/m.exec(readFileSync(join(cgroupPath, 'cpu.stat'), 'utf8'));
  if (!m) throw new Error(`no usage_usec in ${cgroupPath}/cpu.stat`);
  return Number(m[1]);
}

export interface CgroupChild {
  child: ChildProcess;
  /** Resolves with the exit code when the process ends; stdout text collected. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/**
 * Starts `node -e script` inside the cgroup: a shell writes its own pid to
 * cgroup.procs, then execs node, so every thread and socket the script makes
 * belongs to the cgroup. cwd is the repository root (node_modules resolvable).
 */
export function nodeInCgroup(cgroupPath: string, script: string, args: string[] = []): CgroupChild {
  const child = spawn(
    'sh',
    [
      '-c',
      'echo $$ > "$0/cgroup.procs" && exec "$@"',
      cgroupPath,
      process.execPath,
      '-e',
      script,
      ...args,
    ],
    {
      cwd: join(__dirname, '../../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    },
  );
  return { child, done };
}

/** Kills a child by its PID if it is still running and waits for it. */
export async function stopChild(c: CgroupChild | undefined): Promise<void> {
  if (!c) return;
  if (c.child.exitCode === null && c.child.signalCode === null && c.child.pid !== undefined) {
    process.kill(c.child.pid, 'SIGKILL');
  }
  await c.done.catch(() => undefined);
}
