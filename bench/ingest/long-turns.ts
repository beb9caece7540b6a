/**
 * The long event-loop tasks in a CPU profile of the ingestor (`BENCH_INGESTOR_NODE_ARGS=
 * "--cpu-prof --cpu-prof-dir=DIR"` on bench:ingest), grouped by the job they belong to
 * (snapshot, apply, hot query, consumer, GC, …):
 *
 *   node dist/bench/ingest/long-turns.js FILE.cpuprofile [MIN_MS=30] [FROM_S=5] [TO_S=Infinity]
 *
 * A task is a run of samples under one top-level frame (a check phase of immediates, a
 * socket read, a timer) with no idle sample in it. Its length is counted two ways: wall time
 * (what a request waiting behind it waits, but on a busy machine mostly time the process
 * waited for a CPU) and samples (about its CPU milliseconds at --cpu-prof's 1 ms interval:
 * a descheduled thread takes no samples), which is what the code can change.
 */
import * as fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Jobs by a function on the stack, first match wins. */
const JOBS: Array<[string, string]> = [
  ['snapshot', 'snapshot'],
  ['compactOnline', 'snapshot'],
  ['queryHot', 'hot query'],
  ['drainSome', 'apply'],
  ['handle', 'consumer'],
  ['sealByAge', 'seal'],
  ['writeCheckpoint', 'checkpoint'],
  ['headExtent', 'hot extent'],
  ['(garbage collector)', 'GC'],
  ['parse', 'NATS client'],
];
/** Frames that neither start nor split a task. */
const SOFT = new Set(['(program)', '(garbage collector)']);

function main(): void {
  const [file, minArg, fromArg, toArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: long-turns.js FILE.cpuprofile [MIN_MS] [FROM_S] [TO_S]');
  const min = Number(minArg ?? 30);
  const from = Number(fromArg ?? 5);
  const to = Number(toArg ?? Infinity);
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stacks = new Map<number, ProfileNode[]>();
  const stack = (id: number): ProfileNode[] => {
    let s = stacks.get(id);
    if (!s) {
      s = [];
      for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) s.push(byId.get(x)!);
      stacks.set(id, s);
    }
    return s;
  };
  const name = (n: ProfileNode) =>
    `${n.callFrame.functionName}@${n.callFrame.url}:${n.callFrame.lineNumber}`;
  const job = (s: ProfileNode[]): string => {
    for (const [fn, j] of JOBS) if (s.some((n) => n.callFrame.functionName === fn)) return j;
    return `other (${s[0]!.callFrame.functionName || 'anonymous'})`;
  };
  let t = p.startTime;
  const times = p.timeDeltas.map((d) => (t += d));

  const tasks: Array<[number, number]> = [];
  let start = -1;
  let top = '';
  for (let i = 0; i < p.samples.length; i++) {
    const s = stack(p.samples[i]!);
    const idle = s[0]!.callFrame.functionName === '(idle)';
    const soft = SOFT.has(s[0]!.callFrame.functionName);
    const first = s.length >= 2 ? name(s[s.length - 2]!) : name(s[0]!);
    if (start >= 0 && (idle || (!soft && top !== '' && first !== top))) {
      tasks.push([start, i]);
      start = -1;
    }
    if (idle) continue;
    if (start < 0) {
      start = i;
      top = soft ? '' : first;
    } else if (top === '' && !soft) top = first;
  }

  const byJob = new Map<string, { n: number; samples: number; wall: number; max: number }>();
  for (const [a, b] of tasks) {
    const at = (times[a]! - p.startTime) / 1e6;
    if (at < from || at > to || b - a < min) continue;
    const share = new Map<string, number>();
    for (let i = a; i < b; i++) {
      const j = job(stack(p.samples[i]!));
      share.set(j, (share.get(j) ?? 0) + 1);
    }
    const main = [...share].sort((x, y) => y[1] - x[1])[0]![0];
    const e = byJob.get(main) ?? { n: 0, samples: 0, wall: 0, max: 0 };
    e.n++;
    e.samples += b - a;
    e.wall += (times[b]! - times[a]!) / 1000;
    e.max = Math.max(e.max, b - a);
    byJob.set(main, e);
  }
  let n = 0;
  let samples = 0;
  for (const [j, e] of [...byJob].sort((x, y) => y[1].samples - x[1].samples)) {
    n += e.n;
    samples += e.samples;
    process.stdout.write(
      `${j.padEnd(28)} ${String(e.n).padStart(5)} tasks, ${e.samples} samples (longest ${e.max}), ${Math.round(e.wall)} ms wall\n`,
    );
  }
  process.stdout.write(
    `${JSON.stringify({ tasks: n, samples, min_samples: min, from_s: from, to_s: to })}\n`,
  );
}

main();
