import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { isAuthError, natsAuthOptions, redactUrl, type NatsAuth } from './nats-auth';

/** How long the client waits between reconnection attempts once connected. */
export const RECONNECT_WAIT_MS = 250;

export interface ConnectOptions {
  /** One server, or a cluster's servers separated by commas (the client tries them all). */
  url: string;
  name: string;
  /** Credentials and TLS (DESIGN.md "Security"); credentials in `url` work too. */
  auth?: NatsAuth;
  /** Give up after this long when the server never answers; the client reconnects forever once connected. */
  initialTimeoutMs?: number;
  /** Told of every failed attempt: why, and when the next one is. */
  log?: (msg: string) => void;
  /** Told once connected which server it is (URL without secrets, version, JetStream domain). */
  info?: (msg: string) => void;
}

/**
 * Connects, retrying until `initialTimeoutMs`; once connected the client
 * reconnects on its own for as long as the process lives. Credentials the
 * server refuses end the attempt at once: retrying cannot fix them. No
 * message names a password or token (the URL is printed redacted).
 */
export async function connectWithRetry(opts: ConnectOptions): Promise<NatsConnection> {
  const deadline = Date.now() + (opts.initialTimeoutMs ?? 30_000);
  const shown = redactUrl(opts.url);
  const connectOpts = natsAuthOptions(opts.url, opts.auth);
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      const nc = await connect({
        ...connectOpts,
        name: opts.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: RECONNECT_WAIT_MS,
        timeout: 2000,
        // Otherwise every request (each JetStream publish, each pull) makes an Error just for
        // its stack, a few per cent of the import's and the ingestor's CPU; a timeout still
        // says which subject it was for.
        noAsyncTraces: true,
      });
      if (opts.info) opts.info(await describeServer(nc, shown));
      return nc;
    } catch (e) {
      const why = scrub((e as Error).message, opts);
      if (isAuthError(e)) {
        throw new Error(
          `NATS at ${shown} refused the credentials (${why}); check NATS_USER/NATS_PASSWORD, NATS_TOKEN, NATS_NKEY_SEED or NATS_CREDS`,
          // The client never saw the credentials of the URL (taken out before connecting).
          { cause: e },
        );
      }
      if (Date.now() + delay > deadline) {
        throw new Error(`cannot reach NATS at ${shown}: ${why}`, { cause: e });
      }
      opts.log?.(
        `NATS at ${shown} not reachable (attempt ${attempt}: ${why}); retrying in ${delay} ms at ${new Date(Date.now() + delay).toISOString()}, until ${new Date(deadline).toISOString()}`,
      );
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}

/**
 * One line for the start-up log: which server (the URL without secrets, its name
 * and version) and its JetStream domain, asked of the server ($JS.API.INFO, which
 * every role may ask). A server without JetStream says so rather than failing here;
 * the topology set-up that follows reports it.
 */
export async function describeServer(nc: NatsConnection, shownUrl: string): Promise<string> {
  const info = nc.info;
  // Given a cluster's list, say which of its servers answered (and the cluster's name).
  const which = shownUrl.includes(',') ? ` at ${nc.getServer()}` : '';
  const cluster = info?.cluster ? `, cluster ${info.cluster}` : '';
  const server = info
    ? `${info.server_name && info.server_name !== info.server_id ? `${info.server_name}${which}, ` : which ? `${which.slice(1)}, ` : ''}nats-server ${info.version}${cluster}`
    : 'server unknown';
  let js: string;
  try {
    const jsm = await jetstreamManager(nc, { timeout: 2000 });
    const account = await jsm.getAccountInfo();
    js = account.domain ? `JetStream domain ${account.domain}` : 'JetStream (no domain)';
  } catch (e) {
    js = `JetStream not available: ${(e as Error).message}`;
  }
  return `connected to NATS at ${shownUrl} (${server}, ${js})`;
}

/**
 * True when a NATS server answers at `url` within `timeoutMs`. A server that
 * refuses the credentials still answers: it is there, and starting another on
 * its port would fail.
 */
export async function natsAnswers(
  url: string,
  timeoutMs = 1000,
  auth?: NatsAuth,
): Promise<boolean> {
  try {
    const nc = await connect({
      ...natsAuthOptions(url, auth),
      timeout: timeoutMs,
      reconnect: false,
    });
    await nc.close();
    return true;
  } catch (e) {
    return isAuthError(e);
  }
}

/** The client's message with every secret of the settings and URL taken out (belt and braces). */
function scrub(message: string, opts: ConnectOptions): string {
  let out = message.split(opts.url).join(redactUrl(opts.url));
  const secrets = [opts.auth?.NATS_PASSWORD, opts.auth?.NATS_TOKEN, opts.auth?.NATS_NKEY_SEED];
  const m = /^[a-z]+:\/\/([^@/]*)@/i.exec(opts.url);
  const cred = m?.[1] ?? '';
  if (cred) secrets.push(cred.includes(':') ? cred.slice(cred.indexOf(':') + 1) : cred);
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('***');
  return out;
}
