import * as http from 'node:http';
import { ZtsdbError } from '@ztsdb/errors';
import type { Runtime } from '@ztsdb/model';
import { DockerApiError } from './errors';

/** What the Docker Engine API says about a container. */
export interface ContainerMetadata {
  /** Without Docker's leading `/`. */
  name?: string;
  /** As the container was created (`Config.Image`, e.g. `nginx:1.27`). */
  image?: string;
  labels: Record<string, string>;
  /** From the label `io.kubernetes.pod.name`. */
  pod?: string;
  /** From the label `io.kubernetes.pod.namespace`. */
  namespace?: string;
  /** The runtime that answered (set by RuntimeMetadata). */
  runtime?: Runtime;
}

export interface DockerMetadataOptions {
  /** Default `/var/run/docker.sock`. */
  socketPath?: string;
  /** Per request (default 2000 ms: the engine answers a container's inspect only once its start is done). */
  timeoutMs?: number;
  /** How long an answer is kept (default 5 min; names can change with `docker rename`). */
  ttlMs?: number;
  /** How long a 404 or an unreachable engine is kept before asking again (default 30 s); another failure (a timeout) is asked again after a tenth of it. */
  negativeTtlMs?: number;
  /** Largest answer accepted (default 4 MiB). */
  maxBodyBytes?: number;
  /** Clock for the cache (default Date.now). */
  now?: () => number;
}

interface CacheEntry {
  value: ContainerMetadata | undefined;
  expiresMs: number;
}

interface DockerInspect {
  Name?: unknown;
  Config?: { Image?: unknown; Labels?: unknown } | null;
}

/** Reads docker's answer to GET /containers/{id}/json into ContainerMetadata. */
export function metadataFromInspect(body: unknown): ContainerMetadata {
  const doc = (body ?? {}) as DockerInspect;
  const meta: ContainerMetadata = { labels: {} };
  if (typeof doc.Name === 'string' && doc.Name.length > 0) meta.name = doc.Name.replace(/^\//, '');
  const config = doc.Config && typeof doc.Config === 'object' ? doc.Config : undefined;
  if (config && typeof config.Image === 'string' && config.Image.length > 0)
    meta.image = config.Image;
  if (config && config.Labels && typeof config.Labels === 'object') {
    for (const [k, v] of Object.entries(config.Labels as Record<string, unknown>))
      if (typeof v === 'string') meta.labels[k] = v;
  }
  const pod = meta.labels['io.kubernetes.pod.name'];
  const ns = meta.labels['io.kubernetes.pod.namespace'];
  if (pod) meta.pod = pod;
  if (ns) meta.namespace = ns;
  return meta;
}

/**
 * Container names, images and labels from the Docker Engine API over its unix socket.
 * Answers are cached; lookups never reject and never wait longer than the timeout, so a
 * missing or slow docker costs samples nothing but their names.
 */
export class DockerMetadataClient {
  readonly socketPath: string;
  private readonly timeoutMs: number;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxBodyBytes: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<ContainerMetadata | undefined>>();
  private unavailableUntilMs = 0;
  /** The last failure, for an operator's status page. */
  lastError: ZtsdbError | undefined;

  constructor(opts: DockerMetadataOptions = {}) {
    this.socketPath = opts.socketPath ?? '/var/run/docker.sock';
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.ttlMs = opts.ttlMs ?? 300_000;
    this.negativeTtlMs = opts.negativeTtlMs ?? 30_000;
    this.maxBodyBytes = opts.maxBodyBytes ?? 4 << 20;
    this.now = opts.now ?? Date.now;
  }

  /** What is known now, without asking. */
  peek(id: string): ContainerMetadata | undefined {
    return this.cache.get(id)?.value;
  }

  /** Cached or fetched metadata; undefined when docker does not know the container or cannot be asked. Never rejects. */
  lookup(id: string): Promise<ContainerMetadata | undefined> {
    const now = this.now();
    const hit = this.cache.get(id);
    if (hit && hit.expiresMs > now) return Promise.resolve(hit.value);
    const pending = this.inFlight.get(id);
    if (pending) return pending;
    if (now < this.unavailableUntilMs) return Promise.resolve(hit?.value);
    const p = this.inspect(id).then(
      (value) => {
        this.cache.set(id, {
          value,
          expiresMs: this.now() + (value ? this.ttlMs : this.negativeTtlMs),
        });
        return value;
      },
      (err: unknown) => {
        this.lastError =
          err instanceof ZtsdbError
            ? err
            : new DockerApiError(String(err), { socketPath: this.socketPath }, { cause: err });
        const code = (this.lastError.cause as NodeJS.ErrnoException | undefined)?.code;
        if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES')
          this.unavailableUntilMs = this.now() + this.negativeTtlMs;
        // Keep what was known before; ask again soon after a timeout, later when the engine is away.
        const unreachable = this.now() < this.unavailableUntilMs;
        const retryMs = unreachable ? this.negativeTtlMs : this.negativeTtlMs / 10;
        this.cache.set(id, { value: hit?.value, expiresMs: this.now() + retryMs });
        return hit?.value;
      },
    );
    this.inFlight.set(id, p);
    void p.finally(() => this.inFlight.delete(id));
    return p;
  }

  /** Drops a container's cache entry (when it is gone). */
  forget(id: string): void {
    this.cache.delete(id);
  }

  /**
   * GET /containers/{id}/json. Resolves undefined on 404; rejects with DockerApiError on
   * a connection failure, a timeout, another status or an answer that is not JSON.
   */
  inspect(id: string): Promise<ContainerMetadata | undefined> {
    const urlPath = `/containers/${encodeURIComponent(id)}/json`;
    const ctx = { socketPath: this.socketPath, path: urlPath };
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          socketPath: this.socketPath,
          path: urlPath,
          method: 'GET',
          agent: false,
          headers: { Host: 'docker', Accept: 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.maxBodyBytes) {
              req.destroy(new DockerApiError(`answer larger than ${this.maxBodyBytes} bytes`, ctx));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', (err) =>
            reject(
              err instanceof DockerApiError
                ? err
                : new DockerApiError(`reading answer: ${err.message}`, ctx, { cause: err }),
            ),
          );
          res.on('end', () => {
            if (res.statusCode === 404) return resolve(undefined);
            if (res.statusCode !== 200) {
              return reject(
                new DockerApiError(`GET ${urlPath} answered ${res.statusCode}`, {
                  ...ctx,
                  status: res.statusCode,
                }),
              );
            }
            try {
              resolve(metadataFromInspect(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
            } catch (err) {
              reject(
                new DockerApiError(`GET ${urlPath} answered with bad JSON`, ctx, { cause: err }),
              );
            }
          });
        },
      );
      req.setTimeout(this.timeoutMs, () =>
        req.destroy(new DockerApiError(`GET ${urlPath} timed out after ${this.timeoutMs} ms`, ctx)),
      );
      req.on('error', (err) =>
        reject(
          err instanceof DockerApiError
            ? err
            : new DockerApiError(`GET ${urlPath}: ${err.message}`, ctx, { cause: err }),
        ),
      );
      req.end();
    });
  }
}
