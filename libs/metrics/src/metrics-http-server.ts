import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { processMetrics, type MetricsRegistry } from './registry';
import { enableRuntimeMetrics, RUNTIME_PREFIXES } from './runtime-metrics';
import { SERVICE_PREFIXES, type ServiceName } from './service-scope';

/** What `/healthz` and `/readyz` answer: alive (the process can do its job at all) and ready (it does it now). */
export interface HealthReport {
  healthy: boolean;
  ready: boolean;
  /** Why not (empty when healthy and ready). */
  problems: string[];
}

export interface MetricsHttpServerOptions {
  service: ServiceName;
  /** host:port. */
  addr: string;
  health: () => HealthReport;
  /** Bearer token `/metrics` asks for (ZTSDB_HTTP_TOKEN); the probes stay open. */
  token?: string;
  registry?: MetricsRegistry;
  log: { log(line: string): void; warn(line: string): void };
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * A service's own `/metrics`, `/healthz` and `/readyz` on plain node:http (no Nest: the
 * collector, ingestor and compactor serve no other HTTP). `/metrics` shows the service's
 * families (SERVICE_PREFIXES) and the process and Node runtime ones.
 */
export class MetricsHttpServer {
  private server: Server | undefined;
  private readonly registry: MetricsRegistry;
  private readonly want: Buffer | undefined;

  constructor(private readonly opts: MetricsHttpServerOptions) {
    this.registry = opts.registry ?? processMetrics;
    this.want = opts.token ? digest(opts.token) : undefined;
  }

  /** The address it listens on (after start), e.g. for a test that asked for port 0. */
  get address(): string | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? `${a.address}:${a.port}` : undefined;
  }

  /**
   * Listens; an address already in use (a second replica on one host) is one warning and
   * no endpoint, never a stopped service. Returns whether it listens.
   */
  async start(): Promise<boolean> {
    enableRuntimeMetrics(this.registry);
    const { addr, service, log } = this.opts;
    const cut = addr.lastIndexOf(':');
    const host = addr.slice(0, cut);
    const port = Number(addr.slice(cut + 1));
    const server = createServer((req, res) => void this.answer(req, res));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
    } catch (err) {
      log.warn(
        `${service}: /metrics, /healthz and /readyz not served: cannot listen on ${addr}: ${(err as Error).message}`,
      );
      return false;
    }
    this.server = server;
    log.log(`${service}: /metrics, /healthz and /readyz on http://${this.address ?? addr}`);
    return true;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return json(res, 405, { error: `${req.method} is not allowed`, code: 'ZTSDB_METHOD' });
      if (path === '/healthz' || path === '/readyz') {
        const h = this.opts.health();
        const ok = path === '/healthz' ? h.healthy : h.ready;
        return json(res, ok ? 200 : 503, {
          status: ok ? (path === '/healthz' ? 'ok' : 'ready') : 'unavailable',
          problems: h.problems,
        });
      }
      if (path === '/metrics') {
        if (!this.authorized(req))
          return json(res, 401, {
            error: 'this endpoint needs "Authorization: Bearer <token>" (ZTSDB_HTTP_TOKEN)',
            code: 'ZTSDB_UNAUTHORIZED',
          });
        const prefixes = [...SERVICE_PREFIXES[this.opts.service], ...RUNTIME_PREFIXES];
        const text =
          this.opts.service === 'query'
            ? await this.registry.render()
            : await this.registry.renderOnly(prefixes);
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(text);
        return;
      }
      json(res, 404, { error: `no such endpoint: ${path}`, code: 'ZTSDB_NOT_FOUND' });
    } catch (err) {
      json(res, 500, { error: (err as Error).message, code: 'ZTSDB_INTERNAL' });
    }
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.want) return true;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]!), this.want);
  }
}
