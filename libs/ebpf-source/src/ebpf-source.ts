import {
  ContainerTracker,
  RateCalculator,
  readCgroupCounters,
  discoveryLayout,
  trackerOptions,
  COUNTER_COUNT,
  type CgroupFiles,
  type CgroupLayout,
  type DetectedContainer,
  type DiscoveryOptions,
  type TrackedContainer,
} from '@ztsdb/cgroup';
import { CgroupMonitor, isCgroup2Dir, toCounters, type CgroupCounters } from '@ztsdb/ebpf';
import { ZtsdbError } from '@ztsdb/errors';
import type { CollectResult, ContainerInfo, ContainerRates, MetricSource } from '@ztsdb/model';
import {
  putBpfCounters,
  putFileCounters,
  ROW_CPU_NS,
  ROW_KINDS,
  ROW_METRICS,
  ROW_SCALES,
  ROW_WIDTH,
} from './ebpf-row';
import { EBPF_SOURCE_ERROR_CODES } from './errors';

export interface EbpfSourceOptions extends DiscoveryOptions {
  /** Compiled cgroupmon object (default: the one CgroupMonitor finds). */
  objectPath?: string;
  /** A monitor of the caller's, already open; it is not closed by close(). */
  monitor?: CgroupMonitor;
  /** Wall clock in ms since the epoch, dating readings taken between ticks (default Date.now). */
  clock?: () => number;
}

interface Tracked extends TrackedContainer {
  /** Registered in the BPF map (attachCgroup succeeded). */
  id: bigint | undefined;
  /**
   * CPU from the cgroup's own cpu.stat / cpuacct.usage (the scheduler's exact figure, the
   * one `docker stats` shows) when it had one at discovery; else from the map's
   * sched_switch sums. Fixed per container, so its counter never switches source.
   */
  cpuFromFile: boolean;
  /** File counters read when the last process left (cgroup.events), for a container that vanishes before the next tick. */
  final: Float64Array;
  finalValid: boolean;
}

const ZERO: CgroupCounters = toCounters([]);

interface Finished {
  info: ContainerInfo;
  values: Record<string, number> | undefined;
}

function hasFiles(f: CgroupFiles): boolean {
  return f.cpu !== undefined || f.memory !== undefined || f.io !== undefined;
}

function asZtsdbError(err: unknown, code: string, message: string, context = {}): ZtsdbError {
  if (err instanceof ZtsdbError) return err;
  return new ZtsdbError(code, `${message}: ${String(err)}`, context, { cause: err });
}

/**
 * MetricSource over the cgroupmon BPF programs: network bytes and packets and bytes
 * mapped per container from the per-CPU map (one batch read per tick); CPU, memory and
 * block I/O from each container's own cgroup files (v2, or the v1 controllers of the
 * same path on hybrid hosts), which the kernel charges correctly (the map's sched_switch
 * CPU sums stand in for a cgroup without a CPU file; they ran ~2 % above cpu.stat).
 *
 * Containers are found by the ContainerTracker (scans, inotify, Docker metadata), each
 * new one is registered in the map and gets its skb programs; a container that is gone
 * gets its last rates (the map is read before its key is deleted), its key deleted and
 * its programs detached, and is reported in `removed`.
 *
 * Rates are Δcounter / Δ(reading time). Readings taken in collect(nowMs) are dated
 * nowMs, the timestamp the samples carry, so Σ rate × Δt over the published points is
 * exactly the counter's increase; readings between ticks (a new container's baseline, a
 * gone container's last reading) are dated by the wall clock. nowMs is therefore ms
 * since the epoch, as Date.now().
 */
export class EbpfSource implements MetricSource {
  readonly kind = 'ebpf' as const;
  private readonly opts: EbpfSourceOptions;
  private readonly clock: () => number;
  private readonly rates = new RateCalculator({ kinds: ROW_KINDS, scales: ROW_SCALES });
  private readonly row = new Float64Array(ROW_WIDTH);
  private readonly fileRow = new Float64Array(COUNTER_COUNT);
  private readonly out = new Float64Array(ROW_WIDTH);
  private finished: Finished[] = [];
  private tracker: ContainerTracker<Tracked> | undefined;
  private monitorValue: CgroupMonitor | undefined;
  private ownsMonitor = false;
  /** The tick being collected: readings are dated by it. */
  private tickMs: number | undefined;
  private closed = false;

  constructor(opts: EbpfSourceOptions = {}) {
    this.opts = opts;
    this.clock = opts.clock ?? Date.now;
  }

  /** The hierarchy in use (after start). */
  get layout(): CgroupLayout | undefined {
    return this.tracker?.layout;
  }

  /** The loaded programs (after start). */
  get monitor(): CgroupMonitor | undefined {
    return this.monitorValue;
  }

  /** Containers tracked now. */
  get containers(): DetectedContainer[] {
    return this.tracker?.containers ?? [];
  }

  /**
   * Loads and attaches the programs (throws LibbpfError naming the failing call), then
   * scans the tree and registers every container found (throws CgroupRootError when the
   * root is unusable). Nothing stays loaded after a failure.
   */
  async start(): Promise<void> {
    const layout = discoveryLayout(this.opts);
    if (!layout.v2 || !isCgroup2Dir(layout.root)) {
      throw new ZtsdbError(
        EBPF_SOURCE_ERROR_CODES.ebpfNoCgroup2,
        `the eBPF source needs a cgroup v2 root, and ${layout.root} is not a cgroup2 directory`,
        { file: layout.root },
      );
    }
    this.ownsMonitor = this.opts.monitor === undefined;
    this.monitorValue =
      this.opts.monitor ?? CgroupMonitor.open({ objectPath: this.opts.objectPath });
    this.tracker = new ContainerTracker<Tracked>(trackerOptions(this.opts, layout, this.clock), {
      add: (base) => this.add(base),
      remove: (t) => this.finish(t),
      emptied: (t) => this.emptied(t),
    });
    try {
      await this.tracker.start();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async collect(nowMs: number): Promise<CollectResult> {
    const tracker = this.tracker;
    const monitor = this.monitorValue;
    if (!tracker || !monitor || this.closed)
      throw new ZtsdbError(
        EBPF_SOURCE_ERROR_CODES.sourceNotStarted,
        'EbpfSource.collect before start or after close',
      );
    this.tickMs = nowMs;
    try {
      tracker.refresh();
      let all: Map<bigint, CgroupCounters>;
      try {
        all = monitor.readAll();
      } catch (err) {
        this.report(
          asZtsdbError(err, EBPF_SOURCE_ERROR_CODES.ebpfRead, 'reading the BPF map failed'),
        );
        all = new Map();
      }
      const samples: ContainerRates[] = [];
      let vanished = false;
      for (const t of tracker.values()) {
        tracker.refreshFiles(t);
        const n = this.readFiles(t, this.fileRow);
        if (n === 0 && hasFiles(t.files)) {
          vanished = true; // its files are gone: take it out below, with its last reading
          continue;
        }
        this.putRow(t, t.id === undefined ? undefined : all.get(t.id));
        if (this.rates.update(t.key, nowMs, this.row, this.out))
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
    } finally {
      this.tickMs = undefined;
    }
  }

  /** Stops discovery, detaches every program and unloads them (unless the monitor is the caller's). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tracker?.close();
    const monitor = this.monitorValue;
    if (!monitor) return;
    try {
      if (this.ownsMonitor) monitor.close();
      else
        monitor.remove(
          [...(this.tracker?.values() ?? [])].flatMap((t) => (t.id === undefined ? [] : [t.id])),
        );
    } catch (err) {
      this.report(
        asZtsdbError(err, EBPF_SOURCE_ERROR_CODES.ebpfClose, 'closing the BPF programs failed'),
      );
    }
  }

  private now(): number {
    return this.tickMs ?? this.clock();
  }

  private values(): Record<string, number> {
    const values: Record<string, number> = {};
    for (let i = 0; i < ROW_WIDTH; i++) {
      const v = this.out[i]!;
      if (Number.isFinite(v)) values[ROW_METRICS[i]!] = v;
    }
    return values;
  }

  private report(err: ZtsdbError): void {
    this.opts.onError?.(err);
  }

  /** CPU, memory and block I/O of the container's cgroup files into `out`; returns how many files were read. */
  private readFiles(t: Tracked, out: Float64Array): number {
    return readCgroupCounters(t.files, out, this.opts.onError);
  }

  /** this.row from this.fileRow and the map's counters; CPU from the file or the map (t.cpuFromFile). */
  private putRow(t: Tracked, bpf: CgroupCounters | undefined): void {
    putBpfCounters(this.row, bpf);
    const bpfCpu = this.row[ROW_CPU_NS]!;
    putFileCounters(this.row, this.fileRow);
    this.row[ROW_CPU_NS] = t.cpuFromFile ? this.fileRow[ROW_CPU_NS]! : bpfCpu;
  }

  /** Registers the container in the map (counters start at zero now) and takes the files' baseline. */
  private add(base: TrackedContainer): Tracked {
    const t: Tracked = {
      ...base,
      id: undefined,
      cpuFromFile: base.files.cpu !== undefined,
      final: new Float64Array(COUNTER_COUNT),
      finalValid: false,
    };
    try {
      t.id = this.monitorValue!.attachCgroup(t.det.path);
    } catch (err) {
      this.report(
        asZtsdbError(err, EBPF_SOURCE_ERROR_CODES.ebpfAttach, `cannot attach to ${t.det.path}`, {
          file: t.det.path,
        }),
      );
    }
    this.readFiles(t, this.fileRow);
    this.putRow(t, t.id === undefined ? undefined : ZERO); // a fresh map entry is all zero
    this.rates.update(t.key, this.now(), this.row, this.out);
    return t;
  }

  /** A container left the tree: its last rates (map read before its key goes), then its key and programs go. */
  private finish(t: Tracked): void {
    const monitor = this.monitorValue!;
    let bpf: CgroupCounters | undefined;
    if (t.id !== undefined) {
      try {
        bpf = monitor.read(t.id);
      } catch (err) {
        this.report(
          asZtsdbError(err, EBPF_SOURCE_ERROR_CODES.ebpfRead, `reading cgroup ${t.id} failed`),
        );
      }
    }
    // v1 directories can outlive the v2 one by a moment; else what was read when it emptied.
    if (this.readFiles(t, this.fileRow) === 0 && t.finalValid) this.fileRow.set(t.final);
    this.putRow(t, bpf);
    const values = this.rates.update(t.key, this.now(), this.row, this.out)
      ? this.values()
      : undefined;
    this.rates.forget(t.key);
    if (t.id !== undefined) {
      try {
        monitor.detachCgroup(t.id);
      } catch (err) {
        this.report(
          asZtsdbError(
            err,
            EBPF_SOURCE_ERROR_CODES.ebpfDetach,
            `detaching from ${t.det.path} failed`,
            {
              file: t.det.path,
            },
          ),
        );
      }
    }
    this.finished.push({ info: t.info, values });
  }

  /** The last process left: read the files while the directory still exists (the map keeps its counters). */
  private emptied(t: Tracked): void {
    if (this.readFiles(t, t.final) > 0) t.finalValid = true;
  }
}
