import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectWithRetry } from '@ztsdb/bus';
import { parseCommandArgs } from '../../apps/cli/src/cli-args';
import { natsConfigCommand } from '../../apps/cli/src/nats-config-command';

export type Role = 'collector' | 'ingestor' | 'compactor' | 'query' | 'client' | 'all';

/** Runs `ztsdb nats-config --out dir` (in process) and returns the path of its server configuration. */
export function writeNatsConfig(dir: string, extra: string[] = []): string {
  const lines: string[] = [];
  const code = natsConfigCommand(parseCommandArgs('nats-config', ['--out', dir, ...extra]), (m) =>
    lines.push(m),
  );
  if (code !== 0) throw new Error(`nats-config failed: ${lines.join('\n')}`);
  return join(dir, 'nats-server.conf');
}

/** The variables of one `<role>.env` file. */
export function envOf(dir: string, role: Role): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(dir, `${role}.env`), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** A connection as the user of `role`, with the settings of its env file. */
export function connectAs(url: string, dir: string, role: Role): Promise<NatsConnection> {
  return connectWithRetry({
    url,
    name: `test-${role}`,
    auth: envOf(dir, role),
    initialTimeoutMs: 5000,
  });
}

/**
 * Resolves with the server's permission error after `act` runs on `nc`;
 * rejects when none comes within `timeoutMs` (the action was allowed).
 */
export async function violation(
  nc: NatsConnection,
  act: () => unknown,
  timeoutMs = 3000,
): Promise<string> {
  const statuses = nc.status()[Symbol.asyncIterator]();
  const seen = (async (): Promise<string> => {
    for (;;) {
      const r = await statuses.next();
      if (r.done) throw new Error('connection closed before any permission error');
      const s = r.value;
      if (s.type === 'error' && /permissions violation/i.test(String(s.error)))
        return String(s.error);
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no permission error within ${timeoutMs} ms: the action was allowed`)),
      timeoutMs,
    );
  });
  try {
    await Promise.resolve(act()).catch(() => undefined);
    return await Promise.race([seen, timeout]);
  } finally {
    clearTimeout(timer);
    void statuses.return?.();
  }
}
