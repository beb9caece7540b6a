import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import type { INestApplicationContext } from '@nestjs/common';
import { loadSettings, SettingsError, type Settings } from '@ztsdb/config';
import { CLIENT_COMMANDS, runClient, type ClientCommand } from './client-main';
import { parseArgs } from './cli-args';
import { ensureLocalNats, NatsUnavailableError } from './local-nats';
import { natsConfigCommand } from './nats-config-command';
import { ALL_SERVICES, startService, type ServiceName } from './services';
import { USAGE } from './usage';

const SERVICES: ServiceName[] = ['collector', 'ingestor', 'compactor', 'query'];

function log(msg: string): void {
  process.stderr.write(`ztsdb: ${msg}\n`);
}

async function run(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'help';
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === 'nats-config')
    return natsConfigCommand(parseArgs(argv.slice(1), ['rotate']), log);
  // `ztsdb query` alone is the service; with arguments it is the client command.
  const client =
    CLIENT_COMMANDS.includes(command as ClientCommand) &&
    !(command === 'query' && argv.length === 1);
  if (command !== 'all' && !client && !SERVICES.includes(command as ServiceName)) {
    process.stderr.write(`ztsdb: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  let settings: Settings;
  try {
    settings = loadSettings(process.env);
  } catch (e) {
    if (e instanceof SettingsError) {
      log(e.message);
      return 2;
    }
    throw e;
  }

  if (client) return runClient(command as ClientCommand, argv.slice(1), settings, log);

  let nats: ChildProcess | undefined;
  if (command === 'all') {
    try {
      nats = await ensureLocalNats(
        settings.NATS_URL,
        settings.ZTSDB_DATA_DIR,
        settings.ZTSDB_NATS_SERVER,
        log,
        settings,
      );
    } catch (e) {
      if (e instanceof NatsUnavailableError) {
        log(e.message);
        return 1;
      }
      throw e;
    }
  }

  const apps: INestApplicationContext[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const app of apps.reverse())
      await app.close().catch((e: Error) => log(`while stopping: ${e.message}`));
    if (nats && nats.exitCode === null) {
      const exited = new Promise((r) => nats!.once('exit', r));
      nats.kill('SIGTERM');
      await exited;
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    for (const name of command === 'all' ? ALL_SERVICES : [command as ServiceName]) {
      apps.push(await startService(name, settings));
    }
  } catch (e) {
    log(`cannot start: ${(e as Error).message}`);
    await stop(1);
    return 1;
  }
  if (command === 'all' || command === 'query')
    log(
      `serving HTTP on ${settings.ZTSDB_HTTP_TLS_CERT ? 'https' : 'http'}://${settings.ZTSDB_HTTP_ADDR}${
        settings.ZTSDB_HTTP_TOKEN || settings.ZTSDB_HTTP_TOKEN_FILE
          ? ' (bearer token required)'
          : ''
      }`,
    );
  return -1; // keep running until a signal
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: Error) => {
    log(e.stack ?? e.message);
    process.exit(1);
  },
);
