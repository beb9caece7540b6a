import { accessSync, constants, readFileSync, statSync } from 'node:fs';

/** Settings whose values are secrets: never printed, not even in a settings error. */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set([
  'NATS_PASSWORD',
  'NATS_TOKEN',
  'NATS_NKEY_SEED',
  'ZTSDB_HTTP_TOKEN',
]);

/** The settings this module checks, as `Settings` has them ('' = not set). */
export interface SecuritySettings {
  NATS_URL: string;
  NATS_USER: string;
  NATS_PASSWORD: string;
  NATS_TOKEN: string;
  NATS_NKEY_SEED: string;
  NATS_CREDS: string;
  NATS_TLS_CA: string;
  NATS_TLS_CERT: string;
  NATS_TLS_KEY: string;
  ZTSDB_HTTP_TOKEN: string;
  ZTSDB_HTTP_TOKEN_FILE: string;
  ZTSDB_HTTP_TLS_CERT: string;
  ZTSDB_HTTP_TLS_KEY: string;
}

function unreadable(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${path} is not a file`;
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${path} does not exist`;
    if (code === 'EACCES') return `${path} is not readable by this user`;
    return `${path} cannot be read (${code ?? (e as Error).message})`;
  }
}

/**
 * Problems with the credential and TLS settings, one line each naming the
 * setting (never its secret value): files that are missing or unreadable,
 * halves of a pair, and more than one way of authenticating to NATS.
 */
export function securityProblems(s: SecuritySettings): string[] {
  const out: string[] = [];
  const files = [
    'NATS_CREDS',
    'NATS_TLS_CA',
    'NATS_TLS_CERT',
    'NATS_TLS_KEY',
    'ZTSDB_HTTP_TOKEN_FILE',
    'ZTSDB_HTTP_TLS_CERT',
    'ZTSDB_HTTP_TLS_KEY',
  ] as const;
  for (const name of files) {
    const why = s[name] ? unreadable(s[name]) : undefined;
    if (why) out.push(`${name}: ${why}`);
  }
  const ways = [
    s.NATS_USER && 'NATS_USER/NATS_PASSWORD',
    s.NATS_TOKEN && 'NATS_TOKEN',
    s.NATS_NKEY_SEED && 'NATS_NKEY_SEED',
    s.NATS_CREDS && 'NATS_CREDS',
  ].filter(Boolean);
  if (ways.length > 1)
    out.push(`NATS: set only one way of authenticating, not ${ways.join(' and ')}`);
  if (s.NATS_USER && !s.NATS_PASSWORD) out.push('NATS_PASSWORD: must be set with NATS_USER');
  if (s.NATS_PASSWORD && !s.NATS_USER) out.push('NATS_USER: must be set with NATS_PASSWORD');
  if (s.NATS_NKEY_SEED && !/^SU[A-Z2-7]{56}$/.test(s.NATS_NKEY_SEED.trim()))
    out.push('NATS_NKEY_SEED: must be a user nkey seed (58 characters starting with SU)');
  if (Boolean(s.NATS_TLS_CERT) !== Boolean(s.NATS_TLS_KEY))
    out.push(
      'NATS_TLS_CERT and NATS_TLS_KEY: set both (a client certificate and its key) or neither',
    );
  if (s.ZTSDB_HTTP_TOKEN && s.ZTSDB_HTTP_TOKEN_FILE)
    out.push('ZTSDB_HTTP_TOKEN and ZTSDB_HTTP_TOKEN_FILE: set one, not both');
  if (s.ZTSDB_HTTP_TOKEN && s.ZTSDB_HTTP_TOKEN.trim().length < 16)
    out.push('ZTSDB_HTTP_TOKEN: must be at least 16 characters');
  if (s.ZTSDB_HTTP_TOKEN_FILE && !unreadable(s.ZTSDB_HTTP_TOKEN_FILE)) {
    if (readFileSync(s.ZTSDB_HTTP_TOKEN_FILE, 'utf8').trim().length < 16)
      out.push(
        `ZTSDB_HTTP_TOKEN_FILE: ${s.ZTSDB_HTTP_TOKEN_FILE} must hold a token of at least 16 characters`,
      );
  }
  if (Boolean(s.ZTSDB_HTTP_TLS_CERT) !== Boolean(s.ZTSDB_HTTP_TLS_KEY))
    out.push('ZTSDB_HTTP_TLS_CERT and ZTSDB_HTTP_TLS_KEY: set both or neither');
  return out;
}
