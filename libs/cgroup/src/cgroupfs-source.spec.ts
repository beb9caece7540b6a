import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ContainerRates } from '@ztsdb/model';
import { resolveCgroupLayout, type V1Controller } from './cgroup-layout';
import { resolveCgroupFiles } from './cgroup-files';
import { parseCpuStatUsageUsec, parseFlatKey, parseSingleUint } from './cgroup-parsers';
import { CgroupfsSource } from './cgroupfs-source';

/*
 * Real kernel: cgroups made under this host's hierarchy (v2, plus the v1 memory, cpuacct
 * and blkio controllers of the same path on a hybrid host), a CPU-burning child moved in.
 * Needs root. Everything made here is removed in afterAll.
 */

const host = resolveCgroupLayout();
const base = `ztsdb-cgtest-${process.pid}`;
const root = path.join(host.root, base);
const V1: V1Controller[] = ['memory', 'cpuacct', 'blkio'];
const made: string[] = []; // cgroup dirs in creation order
const children: ChildProcess[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mkcg(dir: string): void {
  fs.mkdirSync(dir);
  made.push(dir);
}

/** Makes `<rel>` under the test root in v2 and, on hybrid hosts, in each v1 controller (v1 first, as runc does). */
function makeCgroup(rel: string): { v2: string; v1: string[] } {
  const v1: string[] = [];
  for (const c of V1) {
    const mount = host.v1[c];
    if (mount) {
      v1.push(path.join(mount, base, rel));
      mkcg(path.join(mount, base, rel));
    }
  }
  const v2 = path.join(root, rel);
  mkcg(v2);
  return { v2, v1 };
}

/** A shell that allocates ~1 MB (charged to its new memory cgroup) and then spins. */
function spawnBurner(): ChildProcess {
  const child = spawn(
    'sh',
    ['-c', 'sleep 0.05; x=$(head -c 1000000 /dev/zero | tr "\\0" a); while :; do :; done'],
    { stdio: 'ignore' },
  );
  children.push(child);
  return child;
}

function moveInto(pid: number, cg: { v2: string; v1: string[] }): void {
  for (const dir of [cg.v2, ...cg.v1])
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid!, 'SIGKILL');
  await exited;
}

function removeCgroup(dir: string): void {
  if (!fs.existsSync(dir)) return;
  // Move any process left to the parent first, then remove.
  const pids = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
  for (const pid of pids) {
    try {
      fs.writeFileSync(path.join(path.dirname(dir), 'cgroup.procs'), pid);
    } catch {
      // exited meanwhile
    }
  }
  fs.rmdirSync(dir);
}

function findSample(samples: ContainerRates[], shortId: string): ContainerRates | undefined {
  return samples.find((s) => s.container.id === shortId);
}

describe('CgroupfsSource on the real kernel', () => {
  let source: CgroupfsSource;

  beforeAll(async () => {
    expect(process.getuid?.()).toBe(0); // making cgroups needs root
    mkcg(root);
    for (const c of V1) if (host.v1[c]) mkcg(path.join(host.v1[c]!, base));
    if (host.mode === 'unified') {
      // Best effort: memory and io files in the test sub-tree when the host root delegates them.
      try {
        fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), '+memory +io');
      } catch {
        // not delegated: memory and block I/O stay absent, CPU is still checked
      }
    }
    makeCgroup('docker');
    source = new CgroupfsSource({
      root,
      dockerSocketPath: null,
      discoveryIntervalMs: 60_000,
      host: 'testhost',
    });
  });

  afterAll(async () => {
    await source?.close();
    for (const c of children) await killChild(c);
    for (const dir of [...made].reverse()) removeCgroup(dir);
  });

  it('measures CPU % like the cgroup’s own cpu.stat and memory as its file says', async () => {
    const id = crypto.randomBytes(32).toString('hex');
    const cg = makeCgroup(`docker/${id}`);
    const child = spawnBurner();
    moveInto(child.pid!, cg);
    await sleep(150); // past the shell's start-up allocation

    await source.start();
    expect(source.layout?.root).toBe(root);
    const files = resolveCgroupFiles(source.layout!, cg.v2);
    const cpuStat = path.join(cg.v2, 'cpu.stat');
    const usageNs = () => parseCpuStatUsageUsec(fs.readFileSync(cpuStat, 'utf8'), cpuStat) * 1000;
    // The working set, as docker stats shows it: usage minus inactive file cache.
    const memory = () => {
      const usage = parseSingleUint(fs.readFileSync(files.memory!, 'utf8'), files.memory!);
      const stat = files.memoryStat;
      if (!stat) return usage;
      const inactive = parseFlatKey(fs.readFileSync(stat.file, 'utf8'), stat.file, stat.key) ?? 0;
      return inactive < usage ? usage - inactive : usage;
    };

    await source.collect(Date.now());
    const u1 = usageNs();
    const t1 = performance.now();
    await sleep(500);
    const r2 = await source.collect(Date.now());
    const u2 = usageNs();
    const t2 = performance.now();
    expect(findSample(r2.samples, id.slice(0, 12))).toBeDefined();
    await sleep(500);
    const memBefore = memory();
    const r3 = await source.collect(Date.now());
    const memAfter = memory();
    const u3 = usageNs();
    const t3 = performance.now();

    const s = findSample(r3.samples, id.slice(0, 12))!;
    expect(s).toBeDefined();
    expect(s.container).toMatchObject({ id: id.slice(0, 12), runtime: 'docker', host: 'testhost' });
    const expected = ((u3 - u2) / ((t3 - t2) * 1e6)) * 100;
    expect(expected).toBeGreaterThan(5); // the burner ran (it shares two cores with the other tests)
    expect(Math.abs(s.values['container.cpu.usage']! - expected)).toBeLessThanOrEqual(
      expected * 0.05,
    );
    const first = findSample(r2.samples, id.slice(0, 12))!;
    const expectedFirst = ((u2 - u1) / ((t2 - t1) * 1e6)) * 100;
    expect(Math.abs(first.values['container.cpu.usage']! - expectedFirst)).toBeLessThanOrEqual(
      expectedFirst * 0.05,
    );

    expect(files.memory).toBeDefined();
    const mem = s.values['container.memory.bytes']!;
    expect(mem).toBeGreaterThan(0);
    expect(mem).toBeGreaterThanOrEqual(Math.min(memBefore, memAfter));
    expect(mem).toBeLessThanOrEqual(Math.max(memBefore, memAfter));
    if (files.io) {
      for (const m of [
        'container.block.read.bytes',
        'container.block.write.bytes',
        'container.block.read.ops',
        'container.block.write.ops',
      ]) {
        expect(s.values[m]).toBeGreaterThanOrEqual(0);
      }
    }
    expect(s.values['container.net.rx.bytes']).toBeUndefined(); // not in cgroupfs

    // It goes: last rates published once, then reported removed.
    await killChild(child);
    for (const dir of [cg.v2, ...cg.v1]) removeCgroup(dir);
    const r4 = await source.collect(Date.now());
    expect(r4.removed.map((c) => c.id)).toContain(id.slice(0, 12));
    const r5 = await source.collect(Date.now());
    expect(r5.removed).toEqual([]);
    expect(findSample(r5.samples, id.slice(0, 12))).toBeUndefined();
  });

  it('gives samples to a container that lives 300 ms between two ticks', async () => {
    const id = crypto.randomBytes(32).toString('hex');
    await source.collect(Date.now());
    const cg = makeCgroup(`docker/${id}`);
    const child = spawnBurner();
    moveInto(child.pid!, cg);
    await sleep(300);
    await killChild(child);
    await sleep(100); // a runtime removes the cgroup shortly after its last process exits
    for (const dir of [cg.v2, ...cg.v1]) removeCgroup(dir);
    await sleep(50);

    const r = await source.collect(Date.now());
    const s = findSample(r.samples, id.slice(0, 12));
    expect(s).toBeDefined();
    expect(s!.values['container.cpu.usage']).toBeGreaterThan(10);
    expect(r.removed.map((c) => c.id)).toContain(id.slice(0, 12));
  });

  it('finds new containers at tick time when not watching', async () => {
    const polling = new CgroupfsSource({
      root,
      dockerSocketPath: null,
      watch: false,
      discoveryIntervalMs: 60_000,
    });
    await polling.start();
    try {
      const id = crypto.randomBytes(32).toString('hex');
      const cg = makeCgroup(`docker/${id}`);
      await polling.collect(Date.now());
      expect(polling.containers.map((c) => c.id)).toContain(id);
      for (const dir of [cg.v2, ...cg.v1]) removeCgroup(dir);
      const r = await polling.collect(Date.now());
      expect(r.removed.map((c) => c.id)).toContain(id.slice(0, 12));
    } finally {
      await polling.close();
    }
  });
});
