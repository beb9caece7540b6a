/**
 * Real-kernel tests (root) of how events find their registered cgroup: the
 * resolution cache (cgroup id → nearest registered ancestor, invalidated by
 * a new generation on every attach and detach), the level filter, and CPU
 * time of real-time tasks (which the fair class's start of run does not cover).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupMonitor } from './cgroup-monitor';
import { findCgroup2Root } from './cgroup-fs';
import {
  cpuUsageUsec,
  makeDockerCgroup,
  nodeInCgroup,
  removeCgroup,
  type TestCgroup,
} from './test-cgroups';

/**
 * A real-time task's life in three parts: runs of 10 ms CPU with 10 ms sleeps
 * until it has used 300 ms; then one unbroken run, announced on stdout with
 * the process's CPU time (µs) at its start, until the file argv[1] exists (or
 * 2 s more CPU); then runs of 10 ms again until killed.
 */
const RUN_THROUGH_ATTACH = `
const fs = require('fs');
const flag = process.argv[1];
const pause = new Int32Array(new SharedArrayBuffer(4));
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
const runs = (more) => {
  while (more()) {
    const end = cpu() + 10000;
    while (cpu() < end);
    Atomics.wait(pause, 0, 0, 10);
  }
};
runs(() => cpu() < 300000);
const start = cpu();
process.stdout.write(start + '\\n');
while (!fs.existsSync(flag) && cpu() < start + 2000000);
runs(() => true);
`;

/** Burns 300 ms of CPU. */
const BURN_CPU =
  'const t = process.cpuUsage(); for (;;) { const u = process.cpuUsage(t); if (u.user + u.system >= 300000) break; }';

function within(actual: number, low: number, high: number): void {
  expect(actual).toBeGreaterThanOrEqual(low);
  expect(actual).toBeLessThanOrEqual(high);
}

/** Runs the burner in `path`; returns the cgroup's own cpu.stat usage delta in ns. */
async function burnIn(path: string): Promise<number> {
  const u0 = cpuUsageUsec(path);
  const c = nodeInCgroup(path, BURN_CPU);
  expect((await c.done).code).toBe(0);
  return (cpuUsageUsec(path) - u0) * 1000;
}

/** Starts `node -e script` as a SCHED_FIFO (priority 10) task inside the cgroup. */
function realTimeNodeIn(path: string, script: string, ...args: string[]): ChildProcess {
  return spawn(
    'sh',
    [
      '-c',
      'echo $$ > "$0/cgroup.procs" && exec chrt -f 10 "$@"',
      path,
      process.execPath,
      '-e',
      script,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
    });
    child.on('close', () => reject(new Error(`exited before a line: ${JSON.stringify(text)}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    child.on('error', reject);
    child.on('close', resolve);
  });
}

/** Waits until the cgroup's cpu.stat usage reaches `usec` (polls; fails after 20 s). */
async function untilUsage(path: string, usec: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (cpuUsageUsec(path) < usec) {
    if (Date.now() > deadline) throw new Error(`${path}: usage stayed below ${usec} µs`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function cpuOf(m: CgroupMonitor, id: bigint): number {
  return m.read(id)?.cpuTimeNs ?? 0;
}

/** The cached resolution of cgroup `id`: the registered id it is charged to (0n: none), or undefined. */
function cached(m: CgroupMonitor, id: bigint): bigint | undefined {
  const key = Buffer.alloc(8);
  key.writeBigUInt64LE(id);
  return m.resolutionCache.lookup(key)?.readBigUInt64LE(8);
}

describe('CgroupMonitor resolution of events to registered cgroups', () => {
  let m: CgroupMonitor;
  const cgroups: TestCgroup[] = [];
  const track = (cg: TestCgroup): TestCgroup => (cgroups.push(cg), cg);

  beforeAll(() => {
    m = CgroupMonitor.open();
  });
  afterAll(() => {
    m?.close();
    for (const cg of cgroups.reverse()) removeCgroup(cg);
  });

  it('charges a cgroup registered after its tasks were resolved to none, from then on', async () => {
    // A registered sibling at the same level lets the unregistered cgroup's events reach the cache.
    m.attachCgroup(track(makeDockerCgroup()).path);
    const cg = track(makeDockerCgroup());
    await burnIn(cg.path);
    const id = m.attachCgroup(cg.path); // returns the id; cgroupId() of an unregistered one alike
    m.detachCgroup(id);
    await burnIn(cg.path);
    expect(cached(m, id)).toBe(0n); // resolved as "none" while unregistered

    m.attachCgroup(cg.path);
    const usage = await burnIn(cg.path);
    expect(usage).toBeGreaterThan(0.3e9);
    within(cpuOf(m, id), usage * 0.95, usage * 1.05);
    expect(m.read(id)!.schedSwitches).toBeGreaterThan(0);
  });

  it('charges a child made after its container was registered, re-resolves as registrations change, stops after detach', async () => {
    const container = track(makeDockerCgroup());
    const pid = m.attachCgroup(container.path);
    // Made after the attach: the container's own entry cannot have known them.
    const inner = join(container.path, 'inner');
    const leaf = join(inner, 'leaf');
    mkdirSync(inner);
    mkdirSync(leaf);
    track({ path: leaf, created: [leaf, inner] });

    let usage = await burnIn(leaf);
    within(cpuOf(m, pid), usage * 0.95, usage * 1.05);
    const leafId = m.attachCgroup(leaf);
    m.detachCgroup(leafId);
    expect(m.read(leafId)).toBeUndefined();

    // A registered cgroup between the leaf and the container takes over the leaf's events.
    const innerId = m.attachCgroup(inner);
    let before = cpuOf(m, pid);
    usage = await burnIn(leaf);
    within(cpuOf(m, innerId), usage * 0.95, usage * 1.05);
    expect(cached(m, leafId)).toBe(innerId);
    expect(cpuOf(m, pid) - before).toBeLessThan(usage * 0.05);

    // Detached again: back to the container, nothing into the gone key.
    m.detachCgroup(innerId);
    before = cpuOf(m, pid);
    usage = await burnIn(leaf);
    within(cpuOf(m, pid) - before, usage * 0.95, usage * 1.05);
    expect(cached(m, leafId)).toBe(pid);
    expect(m.read(innerId)).toBeUndefined();

    // The container detached too: the leaf's events resolve to none and no key comes back.
    m.detachCgroup(pid);
    await burnIn(leaf);
    expect(cached(m, leafId)).toBe(0n);
    const keys = m.readAll();
    expect(keys.has(pid)).toBe(false);
    expect(keys.has(innerId)).toBe(false);
    expect(keys.has(leafId)).toBe(false);
  });

  it('charges the CPU time of a real-time (SCHED_FIFO) task within 5 % of cpu.stat', async () => {
    const cg = track(makeDockerCgroup());
    const id = m.attachCgroup(cg.path);
    const u0 = cpuUsageUsec(cg.path);
    // Its first run becomes real-time while running (chrt): the fair start still holds for it.
    const code = await exited(realTimeNodeIn(cg.path, BURN_CPU));
    expect(code).toBe(0);
    const usage = (cpuUsageUsec(cg.path) - u0) * 1000;
    expect(usage).toBeGreaterThan(0.3e9);
    within(cpuOf(m, id), usage * 0.95, usage * 1.05);
  });

  it('charges a real-time task already running when the programs were attached by its runs since, not its lifetime', async () => {
    // The switch-in of its run under way at the attach went unseen, and se.prev_sum_exec_runtime,
    // which only the fair class keeps, dates from its last fair run (before chrt): sum − prev_sum
    // at that run's end would be its whole life.
    const cg = track(makeDockerCgroup());
    const flag = join(tmpdir(), `ztsdb-rt-${process.pid}-${Date.now()}`);
    const child = realTimeNodeIn(cg.path, RUN_THROUGH_ATTACH, flag);
    const gone = exited(child);
    let late: CgroupMonitor | undefined;
    try {
      const runStartUsec = Number(await firstLine(child));
      late = CgroupMonitor.open();
      const id = late.attachCgroup(cg.path);
      const u0 = cpuUsageUsec(cg.path);
      writeFileSync(flag, '');
      await untilUsage(cg.path, u0 + 300_000);
      process.kill(child.pid!, 'SIGKILL');
      await gone;
      const usage = (cpuUsageUsec(cg.path) - u0) * 1000;
      // That run is charged whole: what it used before the attach (at most u0 − its start, plus
      // the few µs before the child read its clock and the shell's time before it joined) is extra.
      const beforeAttach = (u0 - runStartUsec) * 1000 + 2e6;
      within(cpuOf(late, id), usage * 0.95, usage * 1.05 + beforeAttach);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
      await gone.catch(() => undefined);
      late?.close();
      rmSync(flag, { force: true });
    }
  });

  it('refuses the root cgroup, which is no container', () => {
    expect(() => m.attachCgroup(findCgroup2Root()!)).toThrow(
      expect.objectContaining({ code: 'ZTSDB_EBPF_ROOT_CGROUP' }),
    );
  });
});
