import { readFileSync } from 'node:fs';
import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { MetricsHttpServer, type ServiceName } from '@ztsdb/metrics';
import type { NatsClient } from './nats-client';
import { natsProblems } from './nats-health';

/** What keeps a service from being healthy (fatal) or ready (waiting). */
export interface ServiceProblems {
  fatal: string[];
  waiting: string[];
}

/** The bearer token of ZTSDB_HTTP_TOKEN or ZTSDB_HTTP_TOKEN_FILE; undefined = open. */
export function scrapeToken(settings: Settings): string | undefined {
  if (settings.ZTSDB_HTTP_TOKEN) return settings.ZTSDB_HTTP_TOKEN.trim();
  if (settings.ZTSDB_HTTP_TOKEN_FILE)
    return readFileSync(settings.ZTSDB_HTTP_TOKEN_FILE, 'utf8').trim();
  return undefined;
}

/**
 * A service's `/metrics`, `/healthz` and `/readyz` on its own address (subclasses name the
 * service, its address setting and its own problems; NATS is checked for all). It listens
 * when the module initialises, so probes answer (not ready) while the service starts.
 */
export abstract class ServiceEndpoints implements OnModuleInit, OnApplicationShutdown {
  private server: MetricsHttpServer | undefined;

  protected constructor(
    private readonly service: ServiceName,
    private readonly addr: string,
    private readonly settings: Settings,
    private readonly nats: NatsClient,
  ) {}

  /** The service's own problems beyond NATS. */
  protected abstract problems(): ServiceProblems;

  /** Where it listens (after init), or undefined when it does not. */
  get address(): string | undefined {
    return this.server?.address;
  }

  async onModuleInit(): Promise<void> {
    if (!this.addr) return;
    const log = new Logger(this.service);
    const server = new MetricsHttpServer({
      service: this.service,
      addr: this.addr,
      token: scrapeToken(this.settings),
      log: { log: (l) => log.log(l), warn: (l) => log.warn(l) },
      health: () => {
        const nats = natsProblems(this.nats);
        const own = this.problems();
        const fatal = [...nats.fatal, ...own.fatal];
        const all = [...fatal, ...nats.waiting, ...own.waiting];
        return { healthy: fatal.length === 0, ready: all.length === 0, problems: all };
      },
    });
    if (await server.start()) this.server = server;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }
}
