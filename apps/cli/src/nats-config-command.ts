import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  natsUsers,
  passwordFromEnv,
  renderNatsServerConfig,
  renderUserEnv,
  type NatsServerConfigOptions,
} from '@ztsdb/bus';
import { UsageError, type CliArgs } from './cli-args';

/** Writes `text` readable by its owner only (0600), also when the file already existed. */
function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * `ztsdb nats-config`: writes `nats-server.conf` (one user per service, least
 * privilege) and one `<role>.env` per user into --out (default ./nats-config).
 * Passwords already in the env files are kept unless --rotate; no password is
 * printed. Returns the exit code; a bad option is a UsageError.
 */
export function natsConfigCommand(args: CliArgs, log: (m: string) => void): number {
  const out = args.options.get('out') ?? 'nats-config';
  const listen = args.options.get('listen') ?? '0.0.0.0:4222';
  if (!/^[^\s:]+:\d{1,5}$/.test(listen)) {
    throw new UsageError(
      'nats-config',
      `--listen must be HOST:PORT, not ${JSON.stringify(listen)}`,
    );
  }
  const cert = args.options.get('tls-cert');
  const key = args.options.get('tls-key');
  if (Boolean(cert) !== Boolean(key)) {
    throw new UsageError('nats-config', '--tls-cert and --tls-key go together');
  }
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const envPath = (user: string): string => join(out, `${user.replace(/^ztsdb-/, '')}.env`);
  const passwords: NatsServerConfigOptions['passwords'] = {};
  if (!args.flags.has('rotate')) {
    for (const role of ['collector', 'ingestor', 'compactor', 'query', 'client', 'all'] as const) {
      const p = envPath(`ztsdb-${role}`);
      const kept = existsSync(p) ? passwordFromEnv(readFileSync(p, 'utf8')) : undefined;
      if (kept) passwords[role] = kept;
    }
  }
  const users = natsUsers(passwords);
  const conf = join(out, 'nats-server.conf');
  const tls = cert && key ? { cert, key, ca: args.options.get('tls-ca') } : undefined;
  writeSecret(
    conf,
    renderNatsServerConfig(users, {
      listen,
      storeDir: args.options.get('store') ?? '/data',
      tls,
    }),
  );
  for (const u of users) writeSecret(envPath(u.user), renderUserEnv(u));
  log(`wrote ${conf} (mode 0600): JetStream and ${users.length} users`);
  for (const u of users) log(`wrote ${envPath(u.user)} (mode 0600): NATS_USER=${u.user}`);
  log(
    `start the server with: nats-server -c ${conf}; give each service its env file (docker-compose: env_file)`,
  );
  return 0;
}
