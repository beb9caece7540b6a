/** RSS growth since the last release (or the lowest RSS since) after which a steady process trims. */
export const TRIM_AFTER_GROWTH = 64 * 1024 * 1024;
/** Growth between two checks below which the RSS counts as steady. */
export const QUIET_GROWTH = 1024 * 1024;
/** CPU time over a check interval, as a share of it, from which the process counts as working. */
export const BUSY_SHARE = 0.25;
/** CPU time over a check interval, as a share of it, below which the process counts as idle. */
export const QUIET_SHARE = 0.05;

/** What a process measured over one check interval. */
export interface ReleaseSample {
  /** CPU time of all the process's threads since the previous check, in microseconds. */
  cpuMicros: number;
  /** Resident set size now, in bytes. */
  rssBytes: number;
}

/**
 * What to give back: `collect` = a full garbage collection (buffers and
 * objects a burst left, which V8 frees only at its next major GC, and an idle
 * process may not have one for minutes) and then the allocator's free pages;
 * `trim` = the allocator's free pages only.
 */
export type ReleaseAction = 'none' | 'trim' | 'collect';

/**
 * Decides, check by check, when a service's memory is worth giving back.
 * A burst (an import, a merge, a run of queries) leaves garbage that neither
 * V8 nor glibc returns while the process idles: its end is the first check
 * with the CPU nearly idle and the RSS steady after at least one check in
 * which the process worked (or was told it let go of memory: letGo), and
 * that check answers `collect` (once a burst), or only `trim` when the RSS
 * grew by less than `collectAfterGrowth` since the last collection: a full GC
 * also lets the hidden classes of the objects a burst used die, and V8 throws
 * away the code it compiled for them, so a service answering light queries
 * now and then would run every one in the interpreter after its idle second
 * (docs/benchmarks.md, "Idle time between queries").
 * A process that never idles still gets `trim` once its RSS grew by
 * TRIM_AFTER_GROWTH and stopped growing. Pure: the caller measures and acts.
 */
export class ReleasePacer {
  private worked = false;
  private letGone = false;
  private base: number | undefined;
  private last: number | undefined;
  /** The RSS the last collection left (or the lowest since): what a burst's growth is counted from. */
  private collected: number | undefined;

  constructor(
    private readonly intervalMs: number,
    /** RSS growth since the last collection below which a burst's end only trims (0: it always collects). */
    private readonly collectAfterGrowth = 0,
  ) {}

  next(s: ReleaseSample): ReleaseAction {
    const intervalMicros = this.intervalMs * 1000;
    const steady = this.last === undefined || s.rssBytes - this.last < QUIET_GROWTH;
    this.last = s.rssBytes;
    if (this.base === undefined || s.rssBytes < this.base) this.base = s.rssBytes;
    if (this.collected === undefined || s.rssBytes < this.collected) this.collected = s.rssBytes;
    if (s.cpuMicros >= BUSY_SHARE * intervalMicros) this.worked = true;
    const idle = s.cpuMicros < QUIET_SHARE * intervalMicros;
    if (steady && idle && this.worked) {
      this.worked = false;
      this.base = s.rssBytes;
      const collect = this.letGone || s.rssBytes - this.collected >= this.collectAfterGrowth;
      this.letGone = false;
      return collect ? 'collect' : 'trim';
    }
    if (steady && s.rssBytes - this.base >= TRIM_AFTER_GROWTH) {
      this.base = s.rssBytes;
      return 'trim';
    }
    return 'none';
  }

  /**
   * The process let go of much memory without working for it (sealed chunks
   * dropped once a warm file holds them): the next idle check collects, as
   * after a burst.
   */
  letGo(): void {
    this.worked = true;
    this.letGone = true;
  }

  /** After a release (`collected`: a collection): the RSS it left is the base growth is counted from. */
  released(rssBytes: number, collected = false): void {
    this.base = this.last = rssBytes;
    if (collected) this.collected = rssBytes;
  }
}
