/**
 * Main-thread time of a Chromium page from a performance trace: the thread CPU time (`tdur`)
 * of the renderer main thread's top-level tasks. On a loaded machine wall time counts the
 * moments the thread waited for a core; CPU time counts only the work the page made.
 */

interface TraceEvent {
  ph: string;
  name: string;
  cat?: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

export const TRACE_CATEGORIES = ['toplevel', 'disabled-by-default-devtools.timeline'];

export interface MainThreadTime {
  /** Sum of the top-level tasks' thread CPU time, ms. */
  cpuMs: number;
  /** Sum of their wall time, ms. */
  wallMs: number;
  tasks: number;
}

export function mainThreadTime(traceJson: Buffer | string): MainThreadTime {
  const parsed = JSON.parse(traceJson.toString()) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const mains = new Set<string>();
  for (const e of events)
    if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      mains.add(`${e.pid}:${e.tid}`);
  const tasks = events
    .filter(
      (e) =>
        e.ph === 'X' &&
        (e.cat ?? '').split(',').includes('toplevel') &&
        mains.has(`${e.pid}:${e.tid}`),
    )
    .sort((a, b) => a.ts - b.ts);
  let cpu = 0;
  let wall = 0;
  let count = 0;
  const endOf = new Map<string, number>();
  for (const t of tasks) {
    const key = `${t.pid}:${t.tid}`;
    // A top-level event nested in another (two names for one task) is counted once.
    if (t.ts < (endOf.get(key) ?? -Infinity)) continue;
    endOf.set(key, t.ts + (t.dur ?? 0));
    cpu += t.tdur ?? t.dur ?? 0;
    wall += t.dur ?? 0;
    count++;
  }
  return { cpuMs: cpu / 1000, wallMs: wall / 1000, tasks: count };
}
