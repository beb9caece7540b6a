import { randomBytes } from 'node:crypto';
import {
  inboxPrefixFor,
  NATS_ROLES,
  permissionsFor,
  unionOf,
  type NatsPermissions,
  type NatsRole,
} from './nats-permissions';

/** A user of the generated configuration: `ztsdb-<role>`, or `ztsdb-all` for `ztsdb all`. */
export interface NatsUser {
  role: NatsRole | 'all';
  user: string;
  password: string;
  inboxPrefix: string;
  permissions: NatsPermissions;
}

export interface NatsServerConfigOptions {
  /** `host:port` clients connect to. */
  listen: string;
  /** JetStream store directory inside the server's file system. */
  storeDir: string;
  /** Passwords to use, by role; the others are generated. */
  passwords?: Partial<Record<NatsRole | 'all', string>>;
  /** Server certificate, key and (to verify client certificates) CA, as paths the server sees. */
  tls?: { cert: string; key: string; ca?: string };
}

/**
 * Requests a user may answer, and for how long: hot replies come in as many
 * parts as their size needs, so a reply may be many messages.
 */
const RESPONSES = { max: 1_000_000, expires: '10m' };

/** A random password: 32 bytes, URL-safe, no character that needs quoting anywhere. */
export const generatePassword = (): string => randomBytes(32).toString('base64url');

/** Every user of a least-privilege deployment, with its password and permissions. */
export function natsUsers(passwords: NatsServerConfigOptions['passwords'] = {}): NatsUser[] {
  const users: NatsUser[] = NATS_ROLES.map((role) => {
    const user = `ztsdb-${role}`;
    const inboxPrefix = inboxPrefixFor(user);
    return {
      role,
      user,
      password: passwords[role] ?? generatePassword(),
      inboxPrefix,
      permissions: permissionsFor(role, inboxPrefix),
    };
  });
  const all = inboxPrefixFor('ztsdb-all');
  users.push({
    role: 'all',
    user: 'ztsdb-all',
    password: passwords.all ?? generatePassword(),
    inboxPrefix: all,
    permissions: unionOf(['collector', 'ingestor', 'compactor', 'query'], all),
  });
  return users;
}

/** A string in the server's configuration syntax (JSON quoting: `$` stays literal, not a variable). */
const q = (s: string): string => JSON.stringify(s);
const list = (xs: string[], indent: string): string =>
  `[\n${xs.map((x) => `${indent}  ${q(x)}`).join(',\n')}\n${indent}]`;

function userBlock(u: NatsUser): string {
  const p = u.permissions;
  const i = '        ';
  return [
    `    {`,
    `      # ${u.role === 'all' ? 'ztsdb all: every service in one process' : `the ${u.role}`}`,
    `      user: ${q(u.user)}`,
    `      password: ${q(u.password)}`,
    `      permissions: {`,
    `        publish: { allow: ${list(p.publish, i)} }`,
    `        subscribe: { allow: ${list(p.subscribe, i)} }`,
    ...(p.answers
      ? [`        allow_responses: { max: ${RESPONSES.max}, expires: ${q(RESPONSES.expires)} }`]
      : []),
    `      }`,
    `    }`,
  ].join('\n');
}

/**
 * A nats-server (2.9 or later) configuration: JetStream, and one user per
 * service with the permissions of nats-permissions.ts. No user is allowed
 * anything not listed; a client without credentials is refused.
 */
export function renderNatsServerConfig(users: NatsUser[], opts: NatsServerConfigOptions): string {
  const tls = opts.tls
    ? [
        `tls {`,
        `  cert_file: ${q(opts.tls.cert)}`,
        `  key_file: ${q(opts.tls.key)}`,
        ...(opts.tls.ca ? [`  ca_file: ${q(opts.tls.ca)}`, `  verify: true`] : []),
        `}`,
        ``,
      ]
    : [];
  return [
    `# nats-server configuration for ztsdb, written by \`ztsdb nats-config\`.`,
    `# One user per service with the narrowest permissions it needs; keep this file secret.`,
    `listen: ${q(opts.listen)}`,
    ``,
    `jetstream {`,
    `  store_dir: ${q(opts.storeDir)}`,
    `}`,
    ``,
    ...tls,
    `authorization {`,
    `  users: [`,
    users.map(userBlock).join(',\n'),
    `  ]`,
    `}`,
    ``,
  ].join('\n');
}

/** The environment file of one user: what its service needs to connect as it. */
export function renderUserEnv(u: NatsUser): string {
  return [
    `# NATS identity of ${u.user} (written by ztsdb nats-config); keep this file secret.`,
    `NATS_USER=${u.user}`,
    `NATS_PASSWORD=${u.password}`,
    `NATS_INBOX_PREFIX=${u.inboxPrefix}`,
    ``,
  ].join('\n');
}

/** Passwords already in env files (`NATS_PASSWORD=` lines), so running the command again keeps them. */
export function passwordFromEnv(text: string): string | undefined {
  const m = /^NATS_PASSWORD=(.+)$/m.exec(text);
  return m?.[1]?.trim() || undefined;
}
