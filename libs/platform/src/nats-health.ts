import type { NatsClient } from './nats-client';

/** The NATS part of a service's health: closed is unhealthy, disconnected is not ready. */
export function natsProblems(nats: NatsClient): { fatal: string[]; waiting: string[] } {
  if (!nats.nc || nats.nc.isClosed()) return { fatal: ['nats: connection closed'], waiting: [] };
  if (!nats.connected) return { fatal: [], waiting: ['nats: disconnected, reconnecting'] };
  return { fatal: [], waiting: [] };
}
