import { performance } from 'node:perf_hooks';
import { ZtsdbError } from '@ztsdb/errors';
import type { CollectResult, ContainerInfo, ContainerRates, MetricSource } from '@ztsdb/model';
import type { CgroupLayout } from './cgroup-layout';
import { COUNTER_COUNT, COUNTER_CPU_NS, COUNTER_METRICS, readCgroupCounters } from './cgroup-files';
import type { DetectedContainer } from './container-detector';
import { ContainerTracker, type TrackedContainer } from './container-tracker';
import { discoveryLayout, trackerOptions, type DiscoveryOptions } from './discovery-options';
import { CPU_NS_TO_PERCENT, RateCalculator, type CounterKind } from './rate-calculator';
import { CGROUP_ERROR_CODES } from './errors';

export interface CgroupfsSourceOptions extends DiscoveryOptions {
  /** Monotonic clock in ms for rates (default performance.now). */
  clock?: () => number;
}

/** Slot kinds of a counter row: cpu ns (→ percent), memory gauge, block bytes and ops (→ per second), memory with the page cache (gauge). */
const KINDS: CounterKind[] = [
  'counter',
  'gauge',
  'counter',
  'counter',
  'counter',
  'counter',
  'gauge',
];
const SCALES = [CPU_NS_TO_PERCENT, 1, 1, 1, 1, 1, 1];

interface Tracked extends TrackedContainer {
  /** Counters read when the last process left (cgroup.events), for a container that vanishes before the next tick. */
  final: Float64Array;
  finalT: number;
}

interface Finished {
  info: ContainerInfo;
  values: Record<string, number> | undefined;
}

/**
 * MetricSource over the cgroup filesystem: CPU, memory and block I/O per container, read
 * from each container's own cgroup directory (v2 files are hierarchical, so child cgroups
 * count once) or the v1 controllers of the same path on hybrid hosts. Network counters
 * are not in cgroupfs: those metrics are absent (the eBPF source measures them).
 * Discovery (scans, inotify, metadata) is the ContainerTracker's.
 */
export class CgroupfsSource implements MetricSource {
  readonly kind = 'cgroupfs' as const;
  private readonly opts: CgroupfsSourceOptions;
  private readonly clock: () => number;
  private readonly rates = new RateCalculator({ kinds: KINDS, scales: SCALES });
  private readonly row = new Float64Array(COUNTER_COUNT);
  private readonly out = new Float64Array(COUNTER_COUNT);
  private finished: Finished[] = [];
  private tracker: ContainerTracker<Tracked> | undefined;
  private closed = false;

  constructor(opts: CgroupfsSourceOptions = {}) {
    this.opts = opts;
    this.clock = opts.clock ?? (() => performance.now());
  }

  /** The hierarchy in use (after start). */
  get layout(): CgroupLayout | undefined {
    return this.tracker?.layout;
  }

  /** Containers tracked now. */
  get containers(): DetectedContainer[] {
    return this.tracker?.containers ?? [];
  }

  async start(): Promise<void> {
    const layout = discoveryLayout(this.opts);
    this.tracker = new ContainerTracker<Tracked>(trackerOptions(this.opts, layout, this.clock), {
      add: (base) => this.add(base),
      remove: (t) => this.finish(t),
      emptied: (t) => this.emptied(t),
    });
    await this.tracker.start(); // throws CgroupRootError when the root is unusable: start fails clearly
  }

  async collect(nowMs: number): Promise<CollectResult> {
    const tracker = this.tracker;
    if (!tracker || this.closed)
      throw new ZtsdbError(
        CGROUP_ERROR_CODES.sourceNotStarted,
        'CgroupfsSource.collect before start or after close',
      );
    tracker.refresh();
    const samples: ContainerRates[] = [];
    let vanished = false;
    for (const t of tracker.values()) {
      tracker.refreshFiles(t);
      const n = readCgroupCounters(t.files, this.row, this.opts.onError);
      const at = this.clock();
      if (n === 0 || Number.isNaN(this.row[COUNTER_CPU_NS]!)) {
        vanished ||= n === 0;
        continue;
      }
      if (this.rates.update(t.key, at, this.row, this.out))
        samples.push({ container: t.info, timestampMs: nowMs, values: this.values() });
    }
    if (vanished) tracker.discover(); // gone before inotify told: move it to `finished` now
    const removed: ContainerInfo[] = [];
    for (const f of this.finished) {
      if (f.values) samples.push({ container: f.info, timestampMs: nowMs, values: f.values });
      removed.push(f.info);
    }
    this.finished = [];
    return { samples, removed };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.tracker?.close();
  }

  private values(): Record<string, number> {
    const values: Record<string, number> = {};
    for (let i = 0; i < COUNTER_COUNT; i++) {
      const v = this.out[i]!;
      if (Number.isFinite(v)) values[COUNTER_METRICS[i]!] = v;
    }
    return values;
  }

  /** Baseline now, so a container that lives less than a tick still gets a rate. */
  private add(base: TrackedContainer): Tracked {
    const t: Tracked = { ...base, final: new Float64Array(COUNTER_COUNT), finalT: NaN };
    if (readCgroupCounters(t.files, this.row, this.opts.onError) > 0)
      this.rates.update(t.key, this.clock(), this.row, this.out);
    return t;
  }

  /** A container left the tree: its last rates (from a last reading, if any was possible), then forget it. */
  private finish(t: Tracked): void {
    let values: Record<string, number> | undefined;
    // v1 directories can outlive the v2 one by a moment; the v2 cpu.stat is gone with it.
    const n = readCgroupCounters(t.files, this.row, this.opts.onError);
    if (
      n > 0 &&
      !Number.isNaN(this.row[COUNTER_CPU_NS]!) &&
      this.rates.update(t.key, this.clock(), this.row, this.out)
    ) {
      values = this.values();
    } else if (!Number.isNaN(t.finalT) && this.rates.update(t.key, t.finalT, t.final, this.out)) {
      values = this.values();
    }
    this.rates.forget(t.key);
    this.finished.push({ info: t.info, values });
  }

  /** The last process left: read the counters while the directory still exists. */
  private emptied(t: Tracked): void {
    if (
      readCgroupCounters(t.files, t.final, this.opts.onError) > 0 &&
      !Number.isNaN(t.final[COUNTER_CPU_NS]!)
    )
      t.finalT = this.clock();
  }
}
