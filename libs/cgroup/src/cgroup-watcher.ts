import * as fs from 'node:fs';

export interface CgroupWatcherOptions {
  /** A directory was made or removed in a watched directory. */
  onTreeChange: () => void;
  /** A file of a watched container directory changed (e.g. `cgroup.events` when the last process left). */
  onContainerFileChange: (dir: string, file: string) => void;
  /** Most directories watched at once (default 4096); beyond it, watching is partial. */
  maxWatches?: number;
}

/**
 * inotify (fs.watch) on cgroup directories, so containers are seen when their directory
 * is made, not at the next discovery, and their last counters can be read when their last
 * process exits (cgroup.events), before the runtime removes the directory.
 */
export class CgroupWatcher {
  private readonly opts: CgroupWatcherOptions;
  private readonly maxWatches: number;
  private readonly watches = new Map<string, fs.FSWatcher>();
  private incomplete = false;

  constructor(opts: CgroupWatcherOptions) {
    this.opts = opts;
    this.maxWatches = opts.maxWatches ?? 4096;
  }

  /** Directories watched now. */
  get size(): number {
    return this.watches.size;
  }

  /** true when some directory of the last sync could not be watched: callers should rescan on every tick. */
  get partial(): boolean {
    return this.incomplete;
  }

  /** Watches exactly `treeDirs` (non-container directories) and `containerDirs`. */
  sync(treeDirs: readonly string[], containerDirs: readonly string[]): void {
    const wanted = new Map<string, boolean>();
    for (const d of treeDirs) wanted.set(d, false);
    for (const d of containerDirs) wanted.set(d, true);
    for (const [dir, w] of this.watches) {
      if (!wanted.has(dir)) {
        w.close();
        this.watches.delete(dir);
      }
    }
    this.incomplete = false;
    for (const [dir, isContainer] of wanted) {
      if (this.watches.has(dir)) continue;
      if (this.watches.size >= this.maxWatches) {
        this.incomplete = true;
        break;
      }
      try {
        const w = fs.watch(dir, { persistent: false }, (event, file) =>
          this.onEvent(dir, isContainer, event, file),
        );
        w.on('error', () => {
          // The directory went away (or the watch broke): forget it; the next scan decides.
          w.close();
          if (this.watches.get(dir) === w) this.watches.delete(dir);
        });
        this.watches.set(dir, w);
      } catch {
        this.incomplete = true; // vanished meanwhile, or out of inotify watches
      }
    }
  }

  close(): void {
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }

  private onEvent(
    dir: string,
    isContainer: boolean,
    event: string,
    file: string | Buffer | null,
  ): void {
    if (event === 'rename') {
      this.opts.onTreeChange();
      return;
    }
    if (isContainer && file !== null) this.opts.onContainerFileChange(dir, file.toString());
  }
}
