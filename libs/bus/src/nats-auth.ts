import { readFileSync } from 'node:fs';
import {
  credsAuthenticator,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
  type Authenticator,
  type TlsOptions,
} from '@nats-io/transport-node';

/**
 * How a service proves who it is to NATS: the settings of DESIGN.md "Security"
 * (empty string = not set). Only one way of authenticating may be set; the
 * configuration module checks that at start, so this file trusts it.
 */
export interface NatsAuth {
  NATS_USER?: string;
  NATS_PASSWORD?: string;
  NATS_TOKEN?: string;
  /** An nkey seed (`SU…`), given inline. */
  NATS_NKEY_SEED?: string;
  /** Path of a creds file (user JWT and nkey seed) as `nsc` writes it. */
  NATS_CREDS?: string;
  NATS_TLS_CA?: string;
  NATS_TLS_CERT?: string;
  NATS_TLS_KEY?: string;
  /** Subject prefix of this connection's reply inboxes (`_INBOX` by default). */
  NATS_INBOX_PREFIX?: string;
}

/** The parts of nats.js's connect options that carry identity and transport security. */
export interface NatsAuthOptions {
  /** The server URLs (one, or a cluster's) with any credentials taken out of them. */
  servers: string[];
  authenticator?: Authenticator;
  tls?: TlsOptions;
  inboxPrefix?: string;
}

interface UrlCredentials {
  url: string;
  user?: string;
  pass?: string;
}

/**
 * Takes `user:pass@` (or a lone `token@`) out of a NATS URL: nats.js does not
 * use them itself, and a URL without them can be printed.
 */
export function splitUrlCredentials(url: string): UrlCredentials {
  const m = /^([a-z]+:\/\/)([^@/]*)@(.*)$/i.exec(url.trim());
  if (!m) return { url };
  const [, scheme, cred, rest] = m as unknown as [string, string, string, string];
  const colon = cred.indexOf(':');
  const dec = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return colon < 0
    ? { url: scheme + rest, user: dec(cred) }
    : { url: scheme + rest, user: dec(cred.slice(0, colon)), pass: dec(cred.slice(colon + 1)) };
}

/**
 * The servers of a `NATS_URL`: one URL, or a cluster's URLs separated by commas
 * (blanks around them ignored). nats.js wants them as a list: given the whole
 * string as one URL it would connect to the last host only.
 */
export function natsServerList(url: string): string[] {
  return url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
}

/** The URL (or list) as it may appear in a log line or an error: a password or token becomes `***`. */
export function redactUrl(url: string): string {
  return natsServerList(url)
    .map((u) =>
      u.replace(/^([a-z]+:\/\/)([^@/]*)@/i, (_, scheme: string, cred: string) => {
        const colon = cred.indexOf(':');
        return colon < 0 ? `${scheme}***@` : `${scheme}${cred.slice(0, colon)}:***@`;
      }),
    )
    .join(',');
}

/**
 * The connect options for `url` and `auth`: explicit settings win over
 * credentials in the URL; a URL with a user and no password carries a token.
 */
export function natsAuthOptions(url: string, auth: NatsAuth = {}): NatsAuthOptions {
  const split = natsServerList(url).map(splitUrlCredentials);
  // In a list, the first URL that carries credentials gives them (one user for the whole cluster).
  const fromUrl = split.find((u) => u.user !== undefined) ?? split[0] ?? { url };
  const out: NatsAuthOptions = { servers: split.map((u) => u.url) };
  // Settings that are not set are '' (not undefined): `||` falls through to the URL.
  const user = auth.NATS_USER || fromUrl.user;
  const pass = auth.NATS_USER ? auth.NATS_PASSWORD : auth.NATS_PASSWORD || fromUrl.pass;
  if (auth.NATS_CREDS) {
    const path = auth.NATS_CREDS;
    out.authenticator = credsAuthenticator(() => readFileSync(path));
  } else if (auth.NATS_NKEY_SEED) {
    out.authenticator = nkeyAuthenticator(new TextEncoder().encode(auth.NATS_NKEY_SEED.trim()));
  } else if (auth.NATS_TOKEN) {
    out.authenticator = tokenAuthenticator(auth.NATS_TOKEN);
  } else if (user && pass !== undefined && pass !== '') {
    out.authenticator = usernamePasswordAuthenticator(user, pass);
  } else if (user) {
    out.authenticator = tokenAuthenticator(user);
  }
  if (auth.NATS_TLS_CA || auth.NATS_TLS_CERT || out.servers.some((u) => /^tls:/i.test(u))) {
    const tls: TlsOptions = {};
    if (auth.NATS_TLS_CA) tls.caFile = auth.NATS_TLS_CA;
    if (auth.NATS_TLS_CERT) tls.certFile = auth.NATS_TLS_CERT;
    if (auth.NATS_TLS_KEY) tls.keyFile = auth.NATS_TLS_KEY;
    out.tls = tls;
  }
  if (auth.NATS_INBOX_PREFIX) out.inboxPrefix = auth.NATS_INBOX_PREFIX;
  return out;
}

/** True for the server's answer to credentials it does not accept. */
export function isAuthError(e: unknown): boolean {
  const text = `${(e as Error)?.message ?? ''} ${(e as { code?: string })?.code ?? ''}`;
  return /authorization violation|authentication|AUTHORIZATION_VIOLATION|permissions/i.test(text);
}

/** The inbox prefix a connection was opened with (`_INBOX` unless set), for hand-made inboxes. */
export function inboxPrefixOf(nc: object): string {
  return (nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix || '_INBOX';
}
