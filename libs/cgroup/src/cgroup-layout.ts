import * as fs from 'node:fs';
import * as path from 'node:path';
import { CgroupRootError } from './errors';
import { parseMountinfo, type MountEntry } from './mountinfo';

/** The v1 controllers whose files ztsdb reads on hybrid and legacy hosts. */
export type V1Controller = 'memory' | 'blkio' | 'cpuacct';
export const V1_CONTROLLERS: readonly V1Controller[] = ['memory', 'blkio', 'cpuacct'];

/**
 * Where the cgroup hierarchies of this host are.
 * - unified: cgroup2 only (`/sys/fs/cgroup` is cgroup2);
 * - hybrid: cgroup2 at `/sys/fs/cgroup/unified`, controllers on v1 mounts;
 * - legacy: no cgroup2 at all; the detector walks a v1 hierarchy (cpuacct, else memory).
 */
export interface CgroupLayout {
  mode: 'unified' | 'hybrid' | 'legacy';
  /** Directory the detector walks. */
  root: string;
  /**
   * Mount point of the hierarchy that holds `root`. A container's path relative to it is
   * the path of the same cgroup under each v1 controller mount.
   */
  hierarchyMount: string;
  /** true when `root` lies in a cgroup2 hierarchy: v2 files (cpu.stat, memory.current, io.stat, cgroup.events) are used. */
  v2: boolean;
  /** Mount points of the v1 controllers (hybrid and legacy hosts). */
  v1: Partial<Record<V1Controller, string>>;
}

export interface CgroupLayoutOptions {
  /** ZTSDB_CGROUP_ROOT when the operator set it; otherwise found from mountinfo. */
  root?: string;
  /** mountinfo text; read from /proc/self/mountinfo when absent (tests pass their own). */
  mountinfo?: string;
}

function isUnder(dir: string, mountPoint: string): boolean {
  if (mountPoint === '/') return dir.startsWith('/');
  return dir === mountPoint || dir.startsWith(mountPoint + '/');
}

function v1Mounts(mounts: MountEntry[]): Partial<Record<V1Controller, string>> {
  const v1: Partial<Record<V1Controller, string>> = {};
  for (const c of V1_CONTROLLERS) {
    const candidates = mounts.filter((m) => m.fsType === 'cgroup' && m.superOptions.includes(c));
    // Prefer a mount of the hierarchy's real root over a bind mount of a sub-tree.
    const best = candidates.find((m) => m.root === '/') ?? candidates[0];
    if (best) v1[c] = best.mountPoint;
  }
  return v1;
}

/** Finds the cgroup2 root and the v1 controller mounts (see CgroupLayout). */
export function resolveCgroupLayout(opts: CgroupLayoutOptions = {}): CgroupLayout {
  const mounts = parseMountinfo(opts.mountinfo ?? fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  const v1 = v1Mounts(mounts);
  const hasV1 = Object.keys(v1).length > 0;
  const cgroupMounts = mounts.filter((m) => m.fsType === 'cgroup2' || m.fsType === 'cgroup');

  if (opts.root !== undefined) {
    const root = path.resolve(opts.root);
    // The deepest cgroup mount that holds the given root decides what it is.
    let holder: MountEntry | undefined;
    for (const m of cgroupMounts) {
      if (
        isUnder(root, m.mountPoint) &&
        (!holder || m.mountPoint.length > holder.mountPoint.length)
      )
        holder = m;
    }
    if (!holder) {
      // Not a cgroup mount (a test fixture, a copy): read it as a v2 tree of its own.
      return { mode: 'unified', root, hierarchyMount: root, v2: true, v1: {} };
    }
    if (holder.fsType === 'cgroup') {
      return { mode: 'legacy', root, hierarchyMount: holder.mountPoint, v2: false, v1 };
    }
    return {
      mode: hasV1 ? 'hybrid' : 'unified',
      root,
      hierarchyMount: holder.mountPoint,
      v2: true,
      v1: hasV1 ? v1 : {},
    };
  }

  const v2Mounts = mounts.filter((m) => m.fsType === 'cgroup2');
  const unified = v2Mounts.find((m) => m.mountPoint === '/sys/fs/cgroup');
  if (unified)
    return {
      mode: 'unified',
      root: unified.mountPoint,
      hierarchyMount: unified.mountPoint,
      v2: true,
      v1: {},
    };
  const v2 = v2Mounts.find((m) => m.mountPoint === '/sys/fs/cgroup/unified') ?? v2Mounts[0];
  if (v2) {
    return {
      mode: hasV1 ? 'hybrid' : 'unified',
      root: v2.mountPoint,
      hierarchyMount: v2.mountPoint,
      v2: true,
      v1,
    };
  }
  const legacyRoot = v1.cpuacct ?? v1.memory;
  if (legacyRoot)
    return { mode: 'legacy', root: legacyRoot, hierarchyMount: legacyRoot, v2: false, v1 };
  throw new CgroupRootError(
    'no cgroup2 mount and no cgroup v1 cpuacct or memory mount in /proc/self/mountinfo; set ZTSDB_CGROUP_ROOT',
    {
      file: '/proc/self/mountinfo',
    },
  );
}

/** Path of the cgroup `containerPath` (a directory under layout.root) in a v1 controller, if mounted. */
export function v1PathOf(
  layout: CgroupLayout,
  controller: V1Controller,
  containerPath: string,
): string | undefined {
  const mount = layout.v1[controller];
  if (mount === undefined) return undefined;
  const rel = path.relative(layout.hierarchyMount, containerPath);
  if (rel.startsWith('..')) return undefined;
  return path.join(mount, rel);
}
