import * as fs from 'node:fs';
import { ZtsdbError } from '@ztsdb/errors';
import type { ContainerInfo } from '@ztsdb/model';
import type { CgroupLayout } from './cgroup-layout';
import { resolveCgroupFiles, type CgroupFiles } from './cgroup-files';
import { parseCgroupPopulated } from './cgroup-parsers';
import { CgroupWatcher } from './cgroup-watcher';
import {
  ContainerDetector,
  containerKey,
  type DetectedContainer,
  type ScanResult,
} from './container-detector';
import { applyMetadata, containerInfoOf, wantsDockerMetadata } from './container-info';
import { DockerMetadataClient } from './docker-metadata-client';
import { CGROUP_ERROR_CODES } from './errors';
import type { MetadataLookup } from './runtime-metadata';

/** A container as a metric source follows it: where it is, its files, its labels. */
export interface TrackedContainer {
  /** containerKey(det): identity across scans. */
  readonly key: string;
  /** The latest scan's view (fresh child list). */
  det: DetectedContainer;
  /** Counter files; looked for again while the container is young and some are missing. */
  files: CgroupFiles;
  /** Labels; Docker metadata is filled in place when it arrives (samples share the object). */
  readonly info: ContainerInfo;
  /** Tracker clock when discovered. */
  readonly addedT: number;
}

/** What a source does as containers come and go. */
export interface ContainerTrackerHooks<T extends TrackedContainer> {
  /** A new container: make the source's record of it (take a baseline reading here). */
  add(base: TrackedContainer): T;
  /** The container left the tree: take its last reading; the tracker forgets it afterwards. */
  remove(t: T): void;
  /** Its last process left (cgroup.events says populated 0); its directory still exists. */
  emptied?(t: T): void;
}

export interface ContainerTrackerOptions {
  layout: CgroupLayout;
  /** Full rescan of the tree (default 5000 ms); inotify makes discovery prompt in between. */
  discoveryIntervalMs?: number;
  /** Watch the tree with inotify (default true). Without it, `refresh` rescans every time. */
  watch?: boolean;
  maxWatches?: number;
  /** Runtime APIs (RuntimeMetadata) or one Docker Engine API client; none: no names or images. */
  metadata?: MetadataLookup | DockerMetadataClient;
  /** `host` label. */
  host?: string;
  /** Scans that failed, unreadable cgroup.events. */
  onError?: (err: ZtsdbError) => void;
  /** Monotonic clock in ms (addedT, file retry window). */
  clock: () => number;
}

/** How long after discovery missing counter files are looked for again on every read. */
const FILE_RETRY_MS = 10_000;

function filesIncomplete(f: CgroupFiles): boolean {
  return f.cpu === undefined || f.memory === undefined || f.io === undefined;
}

/**
 * Follows the containers of one cgroup tree for a metric source: a full scan every
 * discovery interval, inotify in between (a new container directory is seen within
 * milliseconds, so a container that lives less than a tick is still read), Docker
 * metadata lookups, counter-file resolution, and `cgroup.events` so a container's last
 * counters can be read before its runtime removes the directory. Shared by the cgroupfs
 * and eBPF sources; what to read is theirs (the hooks).
 */
export class ContainerTracker<T extends TrackedContainer> {
  private readonly opts: ContainerTrackerOptions;
  private readonly hooks: ContainerTrackerHooks<T>;
  private readonly tracked = new Map<string, T>();
  private readonly byPath = new Map<string, T>();
  private readonly detector: ContainerDetector;
  private watcher: CgroupWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private dirty = false;
  private closed = false;

  constructor(opts: ContainerTrackerOptions, hooks: ContainerTrackerHooks<T>) {
    this.opts = opts;
    this.hooks = hooks;
    this.detector = new ContainerDetector({ root: opts.layout.root });
  }

  get layout(): CgroupLayout {
    return this.opts.layout;
  }

  /** Containers tracked now. */
  get containers(): DetectedContainer[] {
    return [...this.tracked.values()].map((t) => t.det);
  }

  get size(): number {
    return this.tracked.size;
  }

  values(): IterableIterator<T> {
    return this.tracked.values();
  }

  /**
   * First scan (throws CgroupRootError when the root is unusable), then the discovery
   * timer and watches. Waits at most 250 ms for Docker's names of the first containers.
   */
  async start(): Promise<void> {
    if (this.opts.watch !== false) {
      this.watcher = new CgroupWatcher({
        maxWatches: this.opts.maxWatches,
        onTreeChange: () => this.scheduleRescan(),
        onContainerFileChange: (dir, file) => this.onContainerFile(dir, file),
      });
    }
    const lookups = this.discover(this.detector.scan());
    this.timer = setInterval(() => this.discover(), this.opts.discoveryIntervalMs ?? 5000);
    this.timer.unref();
    // Names for the first samples, but never long: a slow docker only costs labels.
    await Promise.race([
      Promise.allSettled(lookups),
      new Promise((r) => setTimeout(r, 250).unref()),
    ]);
  }

  /** Rescans when inotify reported a change not yet scanned, or when watching is off or partial. */
  refresh(): void {
    if (this.dirty || !this.watcher || this.watcher.partial) this.discover();
  }

  /** Rescans the tree now (hooks run inside); returns the metadata lookups it started. */
  discover(given?: ScanResult): Promise<unknown>[] {
    if (this.closed) return [];
    this.dirty = false;
    let scan = given;
    try {
      scan ??= this.detector.scan();
    } catch (err) {
      this.report(err);
      return [];
    }
    for (const det of scan.removed) this.forget(det);
    const lookups: Promise<unknown>[] = [];
    for (const det of scan.added) {
      const t = this.hooks.add({
        key: containerKey(det),
        det,
        files: resolveCgroupFiles(this.opts.layout, det.path),
        info: containerInfoOf(det, this.opts.host),
        addedT: this.opts.clock(),
      });
      this.tracked.set(t.key, t);
      this.byPath.set(det.path, t);
      const lookup = this.lookup(t);
      if (lookup) lookups.push(lookup);
    }
    for (const det of scan.current) {
      const t = this.tracked.get(containerKey(det));
      if (!t) continue;
      t.det = det;
      // A lookup that failed (a runtime busy starting the container answers late) is tried
      // again on each scan; the client's cache keeps this cheap.
      if (t.info.name === undefined) void this.lookup(t);
      if (filesIncomplete(t.files)) t.files = resolveCgroupFiles(this.opts.layout, det.path);
    }
    this.watcher?.sync(
      this.detector.walkedDirs,
      scan.current.map((c) => c.path),
    );
    return lookups;
  }

  /** Asks the runtime's API for the container's name and image, filled into t.info when they come. */
  private lookup(t: T): Promise<unknown> | undefined {
    const metadata = this.opts.metadata;
    const det = t.det;
    const lookup =
      metadata instanceof DockerMetadataClient
        ? wantsDockerMetadata(det)
          ? metadata.lookup(det.id)
          : undefined
        : metadata?.lookupFor(det);
    return lookup?.then((m) => m && applyMetadata(t.info, m));
  }

  /** Runtimes make the v1 directories of a container around its v2 one, in any order: look again while it is young. */
  refreshFiles(t: T): void {
    if (!filesIncomplete(t.files)) return;
    if (this.opts.clock() - t.addedT < FILE_RETRY_MS)
      t.files = resolveCgroupFiles(this.opts.layout, t.det.path);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    this.watcher?.close();
  }

  private forget(det: DetectedContainer): void {
    const key = containerKey(det);
    const t = this.tracked.get(key);
    if (!t) return;
    this.tracked.delete(key);
    if (this.byPath.get(det.path) === t) this.byPath.delete(det.path);
    try {
      this.hooks.remove(t);
    } finally {
      this.opts.metadata?.forget(det.id);
    }
  }

  private report(err: unknown): void {
    if (err instanceof ZtsdbError) this.opts.onError?.(err);
    else
      this.opts.onError?.(
        new ZtsdbError(
          CGROUP_ERROR_CODES.cgroupScan,
          `cgroup scan failed: ${String(err)}`,
          {},
          { cause: err },
        ),
      );
  }

  private scheduleRescan(): void {
    this.dirty = true;
    if (this.rescanTimer || this.closed) return;
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = undefined;
      if (!this.closed) this.discover();
    }, 5);
    this.rescanTimer.unref();
  }

  /** cgroup.events changed: when the last process has left, let the source read while the directory still exists. */
  private onContainerFile(dir: string, file: string): void {
    if (file !== 'cgroup.events' || !this.hooks.emptied) return;
    const t = this.byPath.get(dir);
    if (!t || !t.files.events) return;
    const events = t.files.events;
    try {
      if (parseCgroupPopulated(fs.readFileSync(events, 'latin1'), events)) return;
    } catch (err) {
      if (err instanceof ZtsdbError) this.report(err);
      return; // gone already
    }
    this.refreshFiles(t);
    this.hooks.emptied(t);
  }
}
