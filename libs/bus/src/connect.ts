import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface ConnectOptions {
  url: string;
  name: string;
  /** Give up after this long when the server never answers; the client reconnects forever once connected. */
  initialTimeoutMs?: number;
  log?: (msg: string) => void;
}

/**
 * Connects, retrying until `initialTimeoutMs`; once connected the client
 * reconnects on its own for as long as the process lives.
 */
export async function connectWithRetry(opts: ConnectOptions): Promise<NatsConnection> {
  const deadline = Date.now() + (opts.initialTimeoutMs ?? 30_000);
  let delay = 100;
  for (;;) {
    try {
      return await connect({
        servers: opts.url,
        name: opts.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        timeout: 2000,
      });
    } catch (e) {
      if (Date.now() + delay > deadline) {
        throw new Error(`cannot reach NATS at ${opts.url}: ${(e as Error).message}`, { cause: e });
      }
      opts.log?.(
        `NATS at ${opts.url} not reachable (${(e as Error).message}); retrying in ${delay} ms`,
      );
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}

/** True when a NATS server answers at `url` within `timeoutMs`. */
export async function natsAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: timeoutMs, reconnect: false });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}
