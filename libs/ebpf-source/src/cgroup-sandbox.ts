import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveCgroupLayout, V1_CONTROLLERS, type CgroupLayout } from '@ztsdb/cgroup';

/** One throwaway container cgroup: its v2 directory and the v1 ones of the same path. */
export interface SandboxContainer {
  /** 64 hex. */
  id: string;
  /** First 12 hex: the series' container id. */
  shortId: string;
  v2: string;
  /** Same relative path under each mounted v1 controller (hybrid hosts). */
  v1: string[];
}

/**
 * Throwaway container cgroups for tests and benchmarks (needs root): a private
 * sub-tree `<v2 root>/<name>` (and `<v1 mount>/<name>` of each v1 controller on
 * a hybrid host) holding `docker/<64 hex>` cgroups. Point a source's root
 * (ZTSDB_CGROUP_ROOT) at `root` and it sees these containers and no others.
 * `removeAll` moves any process left back to the host's root cgroups and
 * removes every directory made, deepest first.
 */
export class CgroupSandbox {
  readonly root: string;
  readonly host: CgroupLayout;
  /** Directories made, in creation order. */
  private readonly made: string[] = [];

  constructor(name = `ztsdb-sandbox-${process.pid}-${randomBytes(3).toString('hex')}`) {
    this.host = resolveCgroupLayout();
    if (!this.host.v2) throw new Error('CgroupSandbox needs a cgroup v2 hierarchy');
    this.root = path.join(this.host.root, name);
    const rel = path.relative(this.host.hierarchyMount, this.root);
    this.mkdir(this.root);
    for (const dir of this.v1Dirs(rel)) this.mkdir(dir);
    for (const dir of [path.join(this.root, 'docker'), ...this.v1Dirs(path.join(rel, 'docker'))])
      this.mkdir(dir);
  }

  /** The layout a source should use to see only this sandbox. */
  layout(): CgroupLayout {
    return resolveCgroupLayout({ root: this.root });
  }

  /** Makes `docker/<64 hex>` (v1 directories first, as runc does). */
  addContainer(id = randomBytes(32).toString('hex')): SandboxContainer {
    const rel = path.relative(this.host.hierarchyMount, path.join(this.root, 'docker', id));
    const v1 = this.v1Dirs(rel);
    for (const dir of v1) this.mkdir(dir);
    const v2 = path.join(this.host.hierarchyMount, rel);
    this.mkdir(v2);
    return { id, shortId: id.slice(0, 12), v2, v1 };
  }

  /** Moves `pid` into the container's v2 cgroup and each of its v1 ones. */
  move(pid: number, c: SandboxContainer): void {
    for (const dir of [...c.v1, c.v2])
      fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
  }

  /** Removes one container's directories (v2 first: that is when a runtime's container is gone). */
  removeContainer(c: SandboxContainer): void {
    for (const dir of [c.v2, ...c.v1]) this.removeDir(dir);
  }

  /** Removes everything made, deepest first; processes left inside go back to the host roots. */
  removeAll(): void {
    let firstError: unknown;
    for (const dir of [...this.made].reverse()) {
      try {
        this.removeDir(dir);
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError) throw firstError;
  }

  private v1Dirs(rel: string): string[] {
    const out: string[] = [];
    for (const c of V1_CONTROLLERS) {
      const mount = this.host.v1[c];
      if (mount) out.push(path.join(mount, rel));
    }
    return out;
  }

  private mkdir(dir: string): void {
    fs.mkdirSync(dir);
    this.made.push(dir);
  }

  private removeDir(dir: string): void {
    if (!fs.existsSync(dir)) return;
    // Below every other directory of ours: children first.
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) this.removeDir(path.join(dir, e.name));
    }
    const mount = this.mountOf(dir);
    const procs = path.join(dir, 'cgroup.procs');
    for (const pid of fs.readFileSync(procs, 'utf8').split('\n').filter(Boolean)) {
      try {
        fs.writeFileSync(path.join(mount, 'cgroup.procs'), pid);
      } catch {
        // exited meanwhile
      }
    }
    fs.rmdirSync(dir);
  }

  private mountOf(dir: string): string {
    for (const mount of Object.values(this.host.v1)) {
      if (mount && dir.startsWith(`${mount}/`)) return mount;
    }
    return this.host.hierarchyMount;
  }
}
