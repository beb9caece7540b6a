import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Runtime } from '@ztsdb/model';
import { CgroupReadError, CgroupRootError } from './errors';
import { matchContainerDir, podUidOf, shortIdOf } from './container-patterns';

/** A container found in the cgroup tree. */
export interface DetectedContainer {
  /** Runtime's id: 64 hex, or the runtime's own id for `podman-<id>` / `containerd-<id>`. */
  id: string;
  /** 12 hex (see shortIdOf for ids that are not hex). */
  shortId: string;
  /** undefined for kubepods' bare `<64hex>` directories until metadata tells. */
  runtime?: Runtime;
  /** Absolute path of the container's cgroup directory. */
  path: string;
  /** `path` relative to the detector's root, with `/`. */
  relPath: string;
  /** Inode of the directory: on cgroup2 the kernel's cgroup id (bpf_get_current_cgroup_id). */
  cgroupId: bigint;
  podUid?: string;
  /** Every cgroup directory below the container, at any depth; they count toward it. */
  childPaths: string[];
  /** Inodes of childPaths, same order. */
  childCgroupIds: bigint[];
}

/**
 * Identity of a container across scans: its directory and that directory's inode. The
 * path alone would merge a restarted container with its predecessor, the inode alone
 * can be reused by a filesystem that is not cgroupfs.
 */
export function containerKey(c: Pick<DetectedContainer, 'path' | 'cgroupId'>): string {
  return `${c.cgroupId}:${c.path}`;
}

export interface ScanResult {
  added: DetectedContainer[];
  removed: DetectedContainer[];
  current: DetectedContainer[];
}

export interface ContainerDetectorOptions {
  /** Directory to walk (CgroupLayout.root). */
  root: string;
  /** Directories deeper than this below root are not visited (default 32). */
  maxDepth?: number;
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENODEV';
}

function subdirs(dir: string): string[] {
  try {
    const names: string[] = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) names.push(e.name);
    return names;
  } catch (err) {
    if (isGone(err)) return []; // removed while we walked
    throw new CgroupReadError(dir, err);
  }
}

function inodeOf(dir: string): bigint | undefined {
  try {
    return fs.statSync(dir, { bigint: true }).ino;
  } catch (err) {
    if (isGone(err)) return undefined;
    throw new CgroupReadError(dir, err);
  }
}

/**
 * Walks a cgroup tree and recognises container directories by runtime naming
 * (docker, podman, containerd, CRI-O, kubepods under either cgroup driver). A
 * directory below a container is one of the container's children, never a container
 * of its own. Each scan reports what appeared and disappeared since the previous one;
 * a container is the same container while its directory keeps its path and inode.
 */
export class ContainerDetector {
  readonly root: string;
  private readonly maxDepth: number;
  private known = new Map<string, DetectedContainer>();
  private dirs: string[] = [];

  constructor(opts: ContainerDetectorOptions) {
    this.root = path.resolve(opts.root);
    this.maxDepth = opts.maxDepth ?? 32;
  }

  /** Containers found by the last scan. */
  get current(): DetectedContainer[] {
    return [...this.known.values()];
  }

  /** Directories the last scan walked that are not containers nor inside one (to watch for new containers). */
  get walkedDirs(): readonly string[] {
    return this.dirs;
  }

  scan(): ScanResult {
    let rootStat: fs.Stats;
    try {
      rootStat = fs.statSync(this.root);
    } catch (err) {
      throw new CgroupRootError(
        `cgroup root ${this.root} is not readable: ${(err as Error).message}`,
        { file: this.root },
      );
    }
    if (!rootStat.isDirectory())
      throw new CgroupRootError(`cgroup root ${this.root} is not a directory`, { file: this.root });

    const found = new Map<string, DetectedContainer>();
    const dirs: string[] = [this.root];
    this.walk(this.root, [], found, dirs);

    const added: DetectedContainer[] = [];
    const removed: DetectedContainer[] = [];
    for (const [id, c] of found) if (!this.known.has(id)) added.push(c);
    for (const [id, c] of this.known) if (!found.has(id)) removed.push(c);
    this.known = found;
    this.dirs = dirs;
    const byPath = (a: DetectedContainer, b: DetectedContainer) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
    return {
      added: added.sort(byPath),
      removed: removed.sort(byPath),
      current: [...found.values()].sort(byPath),
    };
  }

  private walk(
    dir: string,
    segments: string[],
    found: Map<string, DetectedContainer>,
    dirs: string[],
  ): void {
    if (segments.length >= this.maxDepth) return;
    for (const name of subdirs(dir)) {
      const full = path.join(dir, name);
      const match = matchContainerDir(name, segments);
      if (!match) {
        dirs.push(full);
        segments.push(name);
        this.walk(full, segments, found, dirs);
        segments.pop();
        continue;
      }
      const cgroupId = inodeOf(full);
      if (cgroupId === undefined) continue;
      const relSegments = [...segments, name];
      const container: DetectedContainer = {
        id: match.id,
        shortId: shortIdOf(match.id),
        path: full,
        relPath: relSegments.join('/'),
        cgroupId,
        childPaths: [],
        childCgroupIds: [],
      };
      if (match.runtime) container.runtime = match.runtime;
      const podUid = podUidOf(segments);
      if (podUid) container.podUid = podUid;
      this.collectChildren(full, container, segments.length + 1);
      found.set(containerKey(container), container);
    }
  }

  private collectChildren(dir: string, c: DetectedContainer, depth: number): void {
    if (depth >= this.maxDepth) return;
    for (const name of subdirs(dir)) {
      const full = path.join(dir, name);
      const ino = inodeOf(full);
      if (ino === undefined) continue;
      c.childPaths.push(full);
      c.childCgroupIds.push(ino);
      this.collectChildren(full, c, depth + 1);
    }
  }
}
