import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

/** The first of these that is an executable file. */
function which(name: string, extra: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), ...extra];
  for (const d of dirs) {
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The `docker` parent cgroups present now, in every mounted hierarchy. */
function dockerCgroupParents(): string[] {
  const out: string[] = [];
  const root = '/sys/fs/cgroup';
  const dirs = [root, ...fs.readdirSync(root).map((d) => path.join(root, d))];
  for (const d of dirs)
    if (fs.existsSync(path.join(d, 'docker', 'cgroup.procs'))) out.push(path.join(d, 'docker'));
  return out;
}

/** dockerd's path, or undefined when this host has none (the test is skipped, saying so). */
export const DOCKERD = which('dockerd', ['/usr/sbin', '/usr/bin']);
export const DOCKER_CLI = which('docker', ['/usr/bin', '/usr/local/bin']);
/** Debian's busybox-static: one static binary, enough for a whole test image. */
export const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));

/**
 * A Docker engine of the test's own: its own data root, exec root, pid file and unix
 * socket (a short path under /tmp: sockets have a 108-byte limit), no bridge and no
 * iptables rules (containers run with `--network none`: loopback only), the vfs storage
 * driver (works on any file system, and the test image is 2 MB). Stopped by its PID.
 */
export class Dockerd {
  readonly socket: string;
  output = '';
  private constructor(
    readonly dir: string,
    private readonly proc: ChildProcess,
  ) {
    this.socket = path.join(dir, 'docker.sock');
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  /** The `docker` parent cgroups that existed before this engine (stop() removes only the others). */
  private preexisting: string[] = [];

  static async start(bin: string): Promise<Dockerd> {
    const before = new Set(dockerCgroupParents());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ztsdb-dockerd-'));
    const ns = `ztsdb-test-${path.basename(dir)}`;
    const proc = spawn(
      bin,
      [
        `--data-root=${dir}/root`,
        `--exec-root=${dir}/exec`,
        `--pidfile=${dir}/docker.pid`,
        `--host=unix://${dir}/docker.sock`,
        '--bridge=none',
        '--iptables=false',
        '--ip6tables=false',
        '--storage-driver=vfs',
        `--containerd-namespace=${ns}`,
        `--containerd-plugins-namespace=${ns}-plugins`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const d = new Dockerd(dir, proc);
    d.preexisting = [...before];
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`dockerd exited early:\n${d.output}`);
      if (
        await d.get('/_ping').then(
          () => true,
          () => false,
        )
      )
        return d;
      if (Date.now() > deadline) {
        await d.stop();
        throw new Error(`dockerd did not answer on ${d.socket} within 30 s:\n${d.output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  get env(): Record<string, string> {
    return { DOCKER_HOST: `unix://${this.socket}` };
  }

  /** The docker CLI against this engine; rejects with its output on failure. */
  docker(args: string[]): Promise<string> {
    return new Promise((resolve, reject) =>
      execFile(
        DOCKER_CLI!,
        args,
        { env: { ...process.env, ...this.env }, maxBuffer: 16 << 20 },
        (err, stdout, stderr) =>
          err
            ? reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`))
            : resolve(stdout.trim()),
      ),
    );
  }

  /** GET on the Engine API, JSON or text. */
  get(urlPath: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = http.get(
        { socketPath: this.socket, path: urlPath, headers: { Host: 'docker' } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 300)
              return reject(new Error(`GET ${urlPath}: ${res.statusCode} ${body}`));
            try {
              resolve(JSON.parse(body));
            } catch {
              resolve(body);
            }
          });
        },
      );
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    });
  }

  /** Imports a one-binary busybox rootfs (every applet a symlink) as `tag`. */
  async importBusybox(busybox: string, tag: string): Promise<void> {
    const rootfs = path.join(this.dir, 'rootfs');
    fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(rootfs, 'tmp'), { recursive: true });
    fs.copyFileSync(busybox, path.join(rootfs, 'bin', 'busybox'));
    fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
    for (const applet of ['sh', 'sleep', 'nc', 'dd', 'head', 'yes', 'kill', 'cat', 'sync'])
      fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
    const tar = path.join(this.dir, 'rootfs.tar');
    const r = spawnSync('tar', ['-C', rootfs, '-cf', tar, '.']);
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr.toString()}`);
    await this.docker(['import', tar, tag]);
  }

  /** Removes every container, stops dockerd by its PID, and removes its directories. */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const ids = await this.docker(['ps', '-aq']).catch(() => '');
      if (ids) await this.docker(['rm', '-f', ...ids.split('\n')]).catch(() => undefined);
      const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    // The parent cgroups its containers went into, when this engine made them.
    const before = new Set(this.preexisting);
    for (const c of dockerCgroupParents().filter((p) => !before.has(p))) {
      try {
        fs.rmdirSync(c);
      } catch {
        // not empty (another engine's containers) or gone: leave it
      }
    }
    // Mounts dockerd left under its roots (netns files, vfs layers) go before the files.
    for (const root of [`${this.dir}/exec`, `${this.dir}/root`])
      spawnSync('umount', ['-R', '-l', root], { stdio: 'ignore' });
    fs.rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
