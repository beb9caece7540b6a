import * as fs from 'node:fs';
import type { Runtime } from '@ztsdb/model';
import type { DetectedContainer } from './container-detector';
import { CriMetadataClient } from './cri-metadata-client';
import { DockerMetadataClient, type ContainerMetadata } from './docker-metadata-client';

/** What a container tracker asks for a container's name, image and pod. */
export interface MetadataLookup {
  /** Lookups never reject; undefined instead of a promise when no source may know the container. */
  lookupFor(det: DetectedContainer): Promise<ContainerMetadata | undefined> | undefined;
  forget(id: string): void;
}

const FULL_ID = /^[0-9a-f]{64}$/;
const TTL_MS = 300_000;
const NEGATIVE_TTL_MS = 30_000;

/** Where each runtime's API listens when nothing says otherwise. */
export const DEFAULT_SOCKETS = {
  docker: '/var/run/docker.sock',
  podman: ['/run/podman/podman.sock'],
  containerd: ['/run/containerd/containerd.sock', '/run/k3s/containerd/containerd.sock'],
  'cri-o': ['/var/run/crio/crio.sock'],
} as const;

export interface RuntimeMetadataOptions {
  /** ZTSDB_DOCKER_SOCKET: the Docker API socket, wins over DOCKER_HOST. */
  dockerSocket?: string;
  /** DOCKER_HOST: `unix:///path` is used; other schemes are reported and ignored. */
  dockerHost?: string;
  /** Is there a unix socket at this path (tests replace it). */
  isSocket?: (p: string) => boolean;
}

function isSocketFile(p: string): boolean {
  try {
    return fs.statSync(p).isSocket();
  } catch {
    return false;
  }
}

/**
 * Container metadata from whichever runtimes run on this host: the Docker Engine API (the
 * socket of ZTSDB_DOCKER_SOCKET, DOCKER_HOST or /var/run/docker.sock), Podman's
 * Docker-compatible API, and the CRI API of containerd and CRI-O. Each container is asked
 * of the runtime its cgroup path names; a kubepods container of unknown runtime is asked
 * of each in turn. A runtime whose socket is absent is not asked at all.
 */
export class RuntimeMetadata implements MetadataLookup {
  private readonly criCache = new Map<
    string,
    { value: ContainerMetadata | undefined; until: number }
  >();
  private readonly criInFlight = new Map<string, Promise<ContainerMetadata | undefined>>();

  constructor(
    readonly sources: {
      docker?: DockerMetadataClient;
      podman?: DockerMetadataClient;
      cri: CriMetadataClient[];
    },
    /** Problems found while looking for sockets (a DOCKER_HOST that is not unix://). */
    readonly notes: string[] = [],
    private readonly now: () => number = Date.now,
  ) {}

  /** Finds the sockets present on this host. */
  static detect(opts: RuntimeMetadataOptions = {}): RuntimeMetadata {
    const isSocket = opts.isSocket ?? isSocketFile;
    const notes: string[] = [];
    let dockerPath: string | undefined;
    if (opts.dockerSocket) dockerPath = opts.dockerSocket.replace(/^unix:\/\//, '');
    else if (opts.dockerHost) {
      if (opts.dockerHost.startsWith('unix://')) dockerPath = opts.dockerHost.slice(7);
      else notes.push(`DOCKER_HOST=${opts.dockerHost} is not a unix:// socket; not used`);
    }
    dockerPath ??= DEFAULT_SOCKETS.docker;
    const docker = isSocket(dockerPath)
      ? new DockerMetadataClient({ socketPath: dockerPath })
      : undefined;
    if (!docker && (opts.dockerSocket || opts.dockerHost?.startsWith('unix://')))
      notes.push(`no Docker API socket at ${dockerPath}`);
    const podmanPath = DEFAULT_SOCKETS.podman.find(isSocket);
    const podman = podmanPath ? new DockerMetadataClient({ socketPath: podmanPath }) : undefined;
    const cri: CriMetadataClient[] = [];
    for (const runtime of ['containerd', 'cri-o'] as const) {
      const p = DEFAULT_SOCKETS[runtime].find(isSocket);
      if (p) cri.push(new CriMetadataClient({ socketPath: p, runtime }));
    }
    return new RuntimeMetadata({ docker, podman, cri }, notes);
  }

  /** One line for the start-up log: which metadata sources were found. */
  describe(): string {
    const found: string[] = [];
    if (this.sources.docker) found.push(`docker (${this.sources.docker.socketPath})`);
    if (this.sources.podman) found.push(`podman (${this.sources.podman.socketPath})`);
    for (const c of this.sources.cri) found.push(`${c.runtime} CRI (${c.socketPath})`);
    const notes = this.notes.length > 0 ? `; ${this.notes.join('; ')}` : '';
    return found.length > 0
      ? `container metadata from ${found.join(', ')}${notes}`
      : `no container runtime socket found: containers get no name or image labels${notes}`;
  }

  lookupFor(det: DetectedContainer): Promise<ContainerMetadata | undefined> | undefined {
    if (!FULL_ID.test(det.id)) return undefined;
    const askers = this.askersFor(det);
    if (askers.length === 0) return undefined;
    return (async () => {
      for (const ask of askers) {
        const m = await ask(det.id);
        if (m) return m;
      }
      return undefined;
    })();
  }

  forget(id: string): void {
    this.sources.docker?.forget(id);
    this.sources.podman?.forget(id);
    this.criCache.delete(id);
  }

  close(): void {
    for (const c of this.sources.cri) c.close();
  }

  private askersFor(
    det: DetectedContainer,
  ): Array<(id: string) => Promise<ContainerMetadata | undefined>> {
    const { docker, podman, cri } = this.sources;
    const dockerAsk = docker && ((id: string) => docker.lookup(id).then((m) => tag(m, 'docker')));
    const podmanAsk = podman && ((id: string) => podman.lookup(id).then((m) => tag(m, 'podman')));
    const criAsk = (c: CriMetadataClient) => (id: string) => this.criLookup(c, id);
    const pick = (r: Runtime) => cri.filter((c) => c.runtime === r).map(criAsk);
    switch (det.runtime) {
      case 'docker':
        return dockerAsk ? [dockerAsk] : [];
      case 'podman':
        return podmanAsk ? [podmanAsk] : [];
      case 'containerd':
      case 'cri-o':
        return pick(det.runtime);
      default:
        // kubepods' bare <id> directories (cgroupfs driver): docker or a CRI runtime.
        return det.podUid !== undefined
          ? [...(dockerAsk ? [dockerAsk] : []), ...cri.map(criAsk)]
          : [];
    }
  }

  private criLookup(c: CriMetadataClient, id: string): Promise<ContainerMetadata | undefined> {
    const key = `${c.runtime}/${id}`;
    const hit = this.criCache.get(key);
    if (hit && hit.until > this.now()) return Promise.resolve(hit.value);
    const pending = this.criInFlight.get(key);
    if (pending) return pending;
    const p = c.status(id).then(
      (value) => {
        this.criCache.set(key, { value, until: this.now() + (value ? TTL_MS : NEGATIVE_TTL_MS) });
        return value;
      },
      () => {
        // Keep what was known; ask again after the negative TTL.
        this.criCache.set(key, { value: hit?.value, until: this.now() + NEGATIVE_TTL_MS });
        return hit?.value;
      },
    );
    this.criInFlight.set(key, p);
    void p.finally(() => this.criInFlight.delete(key));
    return p;
  }
}

function tag(m: ContainerMetadata | undefined, runtime: Runtime): ContainerMetadata | undefined {
  return m && { ...m, runtime: m.runtime ?? runtime };
}
