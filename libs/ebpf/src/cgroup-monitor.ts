import { randomBytes } from 'node:crypto';
import { relative, sep } from 'node:path';
import { InvalidInputError, ZtsdbError } from '@ztsdb/errors';
import type { BpfLink } from './bpf-link';
import { BPF_ANY, type BpfMap } from './bpf-map';
import { BpfObject } from './bpf-object';
import type { BpfProgram } from './bpf-program';
import { canonicalCgroupPath, cgroupId, findCgroup2Root } from './cgroup-fs';
import { sumPerCpu, zeroPerCpu, type CgroupCounters } from './cgroup-metrics';
import { defaultObjectPath } from './object-path';
import { programStats, type ProgramStats } from './program-stats';
import { ensureTracefs } from './tracefs';
import { EBPF_ERROR_CODES } from './errors';

/** Names in bpf/cgroupmon.bpf.c. */
export const CGROUPMON = {
  map: 'cgroup_metrics_map',
  /** Array, one entry: { u64 generation, u32 min_level, u32 reserved }; written by user space only. */
  config: 'cgroupmon_config',
  /** LRU hash: cgroup id → { u64 generation, u64 registered cgroup charged (0: none) }. */
  resolutionCache: 'cgroup_resolution',
  schedSwitch: 'handle_sched_switch',
  mmap: 'handle_mmap',
  ingress: 'handle_ingress',
  egress: 'handle_egress',
} as const;

export interface CgroupMonitorOptions {
  /** Compiled object; default defaultObjectPath(). */
  objectPath?: string;
  /** The object's bytes instead of a path. */
  objectBytes?: Uint8Array;
}

interface Tracked {
  /** Canonical path of the cgroup directory. */
  path: string;
  /** ingress + egress links, or none when a tracked ancestor's links cover this cgroup. */
  links: BpfLink[];
  /** Depth below the v2 mount's root (a lower bound of the kernel's cgroup level). */
  level: number;
}

/** cgroupmon_config.min_level when nothing is registered. */
const NO_LEVEL = 0xffff_ffff;

/** Id of the root cgroup of the v2 hierarchy (kernfs root node). */
const ROOT_CGROUP_ID = 1n;

function keyOf(id: bigint): Buffer {
  const key = Buffer.alloc(8);
  key.writeBigUInt64LE(id, 0);
  return key;
}

function isAncestor(ancestor: string, path: string): boolean {
  return path.startsWith(ancestor.endsWith('/') ? ancestor : `${ancestor}/`);
}

/**
 * The cgroupmon programs loaded and running: CPU time and mmap from
 * tracepoints for every task, network bytes from cgroup_skb programs.
 * Only registered cgroups (attachCgroup) are counted; an event is charged to
 * the nearest registered cgroup at or above the one it happened in (nested
 * children count towards their container; nothing is counted twice).
 *
 * The skb programs are attached at most once on any root-to-leaf path: a
 * cgroup below an attached, registered one relies on its ancestor's
 * attachment (programs on a cgroup run for all its descendants' sockets), so
 * packets are seen once. Detaching the ancestor re-attaches the topmost
 * registered descendants.
 */
export class CgroupMonitor {
  readonly map: BpfMap;
  /** cgroup_resolution: cgroup id → where its events were last resolved to (see docs/format/cgroup-metrics.md). */
  readonly resolutionCache: BpfMap;
  readonly possibleCpus: number;
  private readonly config: BpfMap;
  private readonly tracked = new Map<bigint, Tracked>();
  private readonly zero: Buffer;
  private readonly v2Root: string | undefined;
  private generation = 0n;
  private minLevel = NO_LEVEL;
  private closed = false;

  private constructor(
    private readonly object: BpfObject,
    private readonly tracepointLinks: BpfLink[],
    private readonly ingress: BpfProgram,
    private readonly egress: BpfProgram,
  ) {
    this.map = object.map(CGROUPMON.map);
    this.resolutionCache = object.map(CGROUPMON.resolutionCache);
    this.config = object.map(CGROUPMON.config);
    this.possibleCpus = object.possibleCpus;
    this.zero = zeroPerCpu(this.possibleCpus, this.map.valueStride);
    this.v2Root = findCgroup2Root();
    this.writeConfig(true);
  }

  /**
   * Mounts tracefs if needed, opens and loads the object, attaches the two
   * tracepoint programs. Throws LibbpfError naming the failing call; nothing
   * stays attached or loaded after a failure.
   */
  static open(options: CgroupMonitorOptions | string = {}): CgroupMonitor {
    const opts = typeof options === 'string' ? { objectPath: options } : options;
    ensureTracefs();
    const object = opts.objectBytes
      ? BpfObject.openBytes(opts.objectBytes, 'cgroupmon')
      : BpfObject.openFile(opts.objectPath ?? defaultObjectPath());
    const links: BpfLink[] = [];
    try {
      object.load();
      // The constructor writes the configuration before any program is attached.
      const monitor = new CgroupMonitor(
        object,
        links,
        object.program(CGROUPMON.ingress),
        object.program(CGROUPMON.egress),
      );
      links.push(object.program(CGROUPMON.schedSwitch).attach());
      links.push(object.program(CGROUPMON.mmap).attach());
      return monitor;
    } catch (err) {
      for (const link of links) link.destroy();
      object.close();
      throw err;
    }
  }

  /**
   * Starts counting the cgroup v2 directory `path` and returns its id (the
   * directory's inode). Registers the id in the map and, unless a registered
   * ancestor's attachment already covers it, attaches the skb programs to it.
   * Events are charged to it from the moment this returns: a new generation
   * invalidates every cached resolution. Idempotent. The root cgroup cannot be
   * registered (InvalidInputError ZTSDB_EBPF_ROOT_CGROUP): it is no container.
   */
  attachCgroup(path: string): bigint {
    this.assertOpen();
    const canonical = canonicalCgroupPath(path);
    const id = cgroupId(canonical);
    if (this.tracked.has(id)) return id;
    if (id === ROOT_CGROUP_ID) {
      throw new InvalidInputError(
        EBPF_ERROR_CODES.ebpfRootCgroup,
        `${canonical} is the root cgroup, which is not counted`,
        { file: canonical },
      );
    }
    const key = keyOf(id);
    const entry: Tracked = { path: canonical, links: [], level: this.levelOf(canonical) };
    // Lower the level filter before the key exists, so no event of it is skipped.
    if (entry.level < this.minLevel) {
      this.minLevel = entry.level;
      this.writeConfig(false);
    }
    this.map.update(key, this.zero, BPF_ANY);
    try {
      if (!this.coveredByAncestor(entry.path)) {
        entry.links = this.attachSkb(canonical);
        // Descendants' own attachments would now see their packets a second time.
        for (const other of this.tracked.values()) {
          if (other.links.length > 0 && isAncestor(canonical, other.path)) this.destroyLinks(other);
        }
      }
    } catch (err) {
      this.map.delete(key);
      this.registrationChanged();
      throw err;
    }
    this.tracked.set(id, entry);
    this.registrationChanged();
    return id;
  }

  /**
   * Stops counting cgroup `id`: destroys its skb links (re-attaching at the
   * registered descendants it covered) and deletes its key, so read it
   * first. False when the id was not registered (its key is deleted anyway).
   */
  detachCgroup(id: bigint): boolean {
    this.assertOpen();
    const entry = this.tracked.get(id);
    let firstError: unknown;
    if (entry) {
      this.tracked.delete(id);
      const hadLinks = entry.links.length > 0;
      this.destroyLinks(entry);
      if (hadLinks) {
        const orphans = [...this.tracked.values()]
          .filter((t) => isAncestor(entry.path, t.path))
          .sort((a, b) => a.path.length - b.path.length);
        for (const orphan of orphans) {
          if (orphan.links.length > 0 || this.coveredByAncestor(orphan.path)) continue;
          try {
            orphan.links = this.attachSkb(orphan.path);
          } catch (err) {
            firstError ??= err; // e.g. the cgroup is gone already; keep going
          }
        }
      }
    }
    this.map.delete(keyOf(id));
    this.registrationChanged();
    if (firstError) throw firstError;
    return entry !== undefined;
  }

  /** detachCgroup for each id (containers that are gone); unknown ids only lose their key. */
  remove(ids: readonly bigint[]): void {
    let firstError: unknown;
    for (const id of ids) {
      try {
        this.detachCgroup(id);
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError) throw firstError;
  }

  /** Registered cgroups: id → canonical path. */
  cgroups(): Map<bigint, string> {
    return new Map([...this.tracked].map(([id, t]) => [id, t.path]));
  }

  /** Whether cgroup `id` has skb programs attached at its own directory (else an ancestor's cover it). */
  hasOwnSkbLinks(id: bigint): boolean {
    return (this.tracked.get(id)?.links.length ?? 0) > 0;
  }

  /** Every key of the map with its counters summed over CPUs (one batch read of the whole map). */
  readAll(options: { batch?: boolean } = {}): Map<bigint, CgroupCounters> {
    this.assertOpen();
    const dump = this.map.dump(options);
    const out = new Map<bigint, CgroupCounters>();
    for (let i = 0; i < dump.count; i++) {
      const id = dump.keys.readBigUInt64LE(i * 8);
      out.set(
        id,
        sumPerCpu(dump.values, i * this.map.valueBytes, this.possibleCpus, this.map.valueStride),
      );
    }
    return out;
  }

  /** One cgroup's counters, or undefined when it has no key. */
  read(id: bigint): CgroupCounters | undefined {
    this.assertOpen();
    const value = this.map.lookup(keyOf(id));
    return value && sumPerCpu(value, 0, this.possibleCpus, this.map.valueStride);
  }

  /** Run counts and times of the four programs (accumulate only while bpf stats are enabled). */
  programStats(): ProgramStats[] {
    this.assertOpen();
    return programStats(this.object.programs());
  }

  /** Destroys every link and closes the object. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    let firstError: unknown;
    const links = [...this.tracepointLinks, ...[...this.tracked.values()].flatMap((t) => t.links)];
    this.tracked.clear();
    for (const link of links) {
      try {
        link.destroy();
      } catch (err) {
        firstError ??= err;
      }
    }
    this.object.close();
    if (firstError) throw firstError;
  }

  /**
   * Publishes a registration change to the programs: a fresh random
   * generation (cached resolutions made before it are stale; random, so a
   * torn read of the 8-byte value never matches a later one) and the lowest
   * registered level. Called after every change of the map's keys.
   */
  private registrationChanged(): void {
    let min = NO_LEVEL;
    for (const t of this.tracked.values()) min = Math.min(min, t.level);
    this.minLevel = min;
    this.writeConfig(true);
  }

  private writeConfig(newGeneration: boolean): void {
    if (newGeneration) {
      let next = this.generation;
      while (next === this.generation || next === 0n) next = randomBytes(8).readBigUInt64LE(0);
      this.generation = next;
    }
    const value = Buffer.alloc(16);
    value.writeBigUInt64LE(this.generation, 0);
    value.writeUInt32LE(this.minLevel, 8);
    this.config.update(Buffer.alloc(4), value, BPF_ANY);
  }

  /**
   * The cgroup's depth below the v2 mount's root: its kernel level when the
   * mount shows the whole hierarchy, less inside a cgroup namespace (a lower
   * bound is all the level filter needs); 1 for a path outside that mount.
   */
  private levelOf(path: string): number {
    const rel = this.v2Root === undefined ? '..' : relative(this.v2Root, path);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`)) return rel === '' ? 0 : 1;
    return rel.split(sep).length;
  }

  private attachSkb(path: string): BpfLink[] {
    const ingress = this.ingress.attachCgroup(path);
    try {
      return [ingress, this.egress.attachCgroup(path)];
    } catch (err) {
      ingress.destroy();
      throw err;
    }
  }

  private destroyLinks(entry: Tracked): void {
    const links = entry.links;
    entry.links = [];
    for (const link of links) link.destroy();
  }

  private coveredByAncestor(path: string): boolean {
    for (const t of this.tracked.values()) {
      if (t.links.length > 0 && isAncestor(t.path, path)) return true;
    }
    return false;
  }

  private assertOpen(): void {
    if (this.closed) throw new ZtsdbError(EBPF_ERROR_CODES.ebpfClosed, 'CgroupMonitor is closed');
  }
}
