/**
 * npm run bench:collector (root): the eBPF source's own CPU time per collection
 * tick with 100 and 1,000 container cgroups made here (empty ones plus a few
 * busy ones), the cost of a full discovery scan, and the BPF programs' mean run
 * time per event from the kernel's BPF stats. Every cgroup and process made is
 * removed at the end, on error and on SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ContainerDetector } from '@ztsdb/cgroup';
import { enableRunTimeStats, type ProgramStats } from '@ztsdb/ebpf';
import { CgroupSandbox, EbpfSource, type SandboxContainer } from '@ztsdb/ebpf-source';

const SIZES = [100, 1000];
const BUSY = 3;
const TICKS = 30;
const WARMUP = 5; // ticks left out: JIT and first reads
const TICK_GAP_MS = 150; // ≥ 100 ms, so every collect yields rates
const INTERVAL_MS = 1000; // the default ZTSDB_COLLECT_INTERVAL_MS the targets are stated for
const DISCOVERY_MS = 5000; // the default ZTSDB_DISCOVERY_INTERVAL_MS

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

interface SizeFigures {
  containers: number;
  tickCpuMsMean: number;
  tickCpuMsP95: number;
  tickWallMsMean: number;
  /** Of one core at a 1 s interval. */
  corePercentAt1s: number;
  scanCpuMs: number;
  /** A full scan every 5 s, per second, in percent of one core. */
  scanCorePercent: number;
}

const children: ChildProcess[] = [];
let sandbox: CgroupSandbox | undefined;
let source: EbpfSource | undefined;
let stopStats: (() => void) | undefined;

function cleanup(): void {
  stopStats?.();
  for (const c of children)
    if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  void source?.close(); // detaches synchronously inside
  source = undefined;
  sandbox?.removeAll();
  sandbox = undefined;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    try {
      cleanup();
    } finally {
      process.exit(130);
    }
  });
}

/** A process that wakes every 10 ms: sched_switch events in a watched cgroup, little CPU. */
function busyIn(c: SandboxContainer, sb: CgroupSandbox): ChildProcess {
  const child = spawn('sh', ['-c', 'while :; do sleep 0.01; done'], { stdio: 'ignore' });
  children.push(child);
  sb.move(child.pid!, c);
  return child;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function measure(
  sb: CgroupSandbox,
  containers: number,
): Promise<{ size: SizeFigures; stats: ProgramStats[] }> {
  source = new EbpfSource({
    layout: sb.layout(),
    dockerSocketPath: null,
    discoveryIntervalMs: 3_600_000,
    host: 'bench',
  });
  await source.start();
  const cpu: number[] = [];
  const wall: number[] = [];
  let samples = 0;
  for (let i = 0; i < TICKS + WARMUP; i++) {
    await sleep(TICK_GAP_MS);
    const u0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await source.collect(Date.now());
    const w = performance.now() - t0;
    const c = cpuMs(process.cpuUsage(u0));
    if (i >= WARMUP) {
      cpu.push(c);
      wall.push(w);
      samples = r.samples.length;
    }
  }
  if (samples !== containers)
    throw new Error(`expected ${containers} containers in a tick, got ${samples}`);
  const stats = source.monitor!.programStats();
  await source.close();
  source = undefined;

  const detector = new ContainerDetector({ root: sb.root });
  detector.scan();
  const u0 = process.cpuUsage();
  detector.scan();
  const scanCpuMs = cpuMs(process.cpuUsage(u0));

  const mean = cpu.reduce((a, b) => a + b, 0) / cpu.length;
  return {
    size: {
      containers,
      tickCpuMsMean: mean,
      tickCpuMsP95: quantile(cpu, 0.95),
      tickWallMsMean: wall.reduce((a, b) => a + b, 0) / wall.length,
      corePercentAt1s: (mean / INTERVAL_MS) * 100,
      scanCpuMs,
      scanCorePercent: (scanCpuMs / DISCOVERY_MS) * 100,
    },
    stats,
  };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:collector needs root (cgroups and BPF)');
  sandbox = new CgroupSandbox(`ztsdb-bench-${process.pid}`);
  const made: SandboxContainer[] = [];
  stopStats = enableRunTimeStats();
  const sizes: SizeFigures[] = [];
  let stats: ProgramStats[] = [];
  for (const n of SIZES) {
    while (made.length < n) made.push(sandbox.addContainer());
    if (children.length === 0) for (const c of made.slice(0, BUSY)) busyIn(c, sandbox);
    const r = await measure(sandbox, n);
    sizes.push(r.size);
    stats = r.stats; // the longest run's (programs are reloaded per size)
    console.log(
      `${String(n).padStart(5)} containers: collect() ${r.size.tickCpuMsMean.toFixed(3)} ms CPU/tick (p95 ${r.size.tickCpuMsP95.toFixed(3)}, wall ${r.size.tickWallMsMean.toFixed(3)} ms)` +
        ` = ${r.size.corePercentAt1s.toFixed(3)} % of a core at 1 s; full scan ${r.size.scanCpuMs.toFixed(2)} ms CPU = ${r.size.scanCorePercent.toFixed(3)} % every 5 s`,
    );
  }
  stopStats();
  stopStats = undefined;
  for (const p of stats) {
    console.log(
      `${p.section.padEnd(28)} ${String(p.runCount).padStart(10)} runs, mean ${Number.isNaN(p.meanNs) ? '-' : p.meanNs.toFixed(1)} ns/event`,
    );
  }
  const figures = {
    bench: 'collector',
    busyContainers: BUSY,
    ticks: TICKS,
    sizes,
    bpf: Object.fromEntries(
      stats.map((p) => [
        p.section,
        {
          runs: p.runCount,
          meanNs: Number.isNaN(p.meanNs) ? null : Math.round(p.meanNs * 10) / 10,
        },
      ]),
    ),
    targets: {
      corePercentAt100: 0.5,
      schedSwitchNs: 100,
      met:
        (sizes.find((s) => s.containers === 100)?.corePercentAt1s ?? Infinity) < 0.5 &&
        (stats.find((p) => p.section === 'tp/sched/sched_switch')?.meanNs ?? Infinity) < 100,
    },
  };
  console.log(JSON.stringify(figures));
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    try {
      cleanup();
    } catch (err) {
      console.error('cleanup failed:', err);
      process.exitCode = 1;
    }
  });
