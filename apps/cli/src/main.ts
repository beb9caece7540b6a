import type { ChildProcess } from 'node:child_process';
import type { INestApplicationContext } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { parseCommandArgs, UsageError, wantsHelp } from './cli-args';
import { debugEnabled, reportError } from './cli-errors';
import type { ClientCommand } from './client-main';
import { findCommand } from './command-table';
import type { ServiceName } from './services';
import { commandHelp, overview } from './usage';
import { ztsdbVersion } from './version';

// Help, --version and usage mistakes answer at once: Nest, NATS and the services
// are loaded only by the commands that use them.

/** Lines of the command line tools: plain text on stderr. */
function say(msg: string): void {
  process.stderr.write(`ztsdb: ${msg}\n`);
}

/** Where an error nobody caught goes: one line for commands, the service log for services. */
let reportUncaught = (e: unknown): void =>
  void reportError(e, (l) => process.stderr.write(`${l}\n`));

async function run(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'help';
  const rest = argv.slice(1);
  if (command === 'help' || command === '--help' || command === '-h') {
    const about = rest[0] ? findCommand(rest[0]) : undefined;
    if (rest[0] && !about)
      throw new UsageError('ztsdb', `unknown command ${JSON.stringify(rest[0])}`);
    process.stdout.write(about ? commandHelp(about) : overview());
    return 0;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`ztsdb ${ztsdbVersion()} (Node.js ${process.version})\n`);
    return 0;
  }
  const spec = findCommand(command);
  if (!spec)
    throw new UsageError(
      'ztsdb',
      command.startsWith('-')
        ? `unknown option ${command}`
        : `unknown command ${JSON.stringify(command)}`,
    );
  if (wantsHelp(rest)) {
    process.stdout.write(commandHelp(spec));
    return 0;
  }
  // `ztsdb query` alone is the service; with arguments it is the client command.
  const service = spec.group === 'service' || (command === 'query' && rest.length === 0);
  const args = service && command === 'query' ? undefined : parseCommandArgs(command, rest);
  if (command === 'nats-config' && args)
    return (await import('./nats-config-command')).natsConfigCommand(args, say);
  // Valid settings are taken from the table without loading class-validator; anything wrong
  // goes to loadSettings for its message. `import` is timed as a whole (the peers benchmark),
  // and a service would keep class-validator's ~320 modules (about 14 MiB of RSS) for good.
  if ((command === 'import' && args) || service) {
    const quick = (await import('@ztsdb/config-lite')).quickSettings(process.env) as
      Settings | undefined;
    if (quick && service) return runServices(command as ServiceName | 'all', quick);
    if (quick) return (await import('./client-main')).runClient('import', args!, quick, say);
  }
  const { loadSettings, SettingsError } = await import('@ztsdb/config');
  let settings: Settings;
  try {
    settings = loadSettings(process.env);
  } catch (e) {
    if (!(e instanceof SettingsError)) throw e;
    say(e.message);
    return 2;
  }
  if (!service && args)
    return (await import('./client-main')).runClient(command as ClientCommand, args, settings, say);
  return runServices(command as ServiceName | 'all', settings);
}

async function runServices(command: ServiceName | 'all', settings: Settings): Promise<number> {
  // Before Nest and the services are loaded: loading them is what first grows the new space.
  const { holdNewSpace, newSpacePlan, releaseNewSpaceAfterStartup } =
    await import('@ztsdb/fileutil');
  const newSpace = newSpacePlan(settings.ZTSDB_V8_NEW_SPACE, command === 'compactor');
  if (newSpace !== 'grow') holdNewSpace();
  await import('reflect-metadata');
  const { configureLogging, serviceLogger } = await import('@ztsdb/logging');
  const { ensureLocalNats, NatsUnavailableError } = await import('./local-nats');
  const { ALL_SERVICES, startService } = await import('./services');
  configureLogging({ service: command, debug: debugEnabled() });
  const logger = serviceLogger(settings);
  const log = (m: string): void => logger.log(m, 'ztsdb');
  reportUncaught = (e) => {
    const err = e instanceof Error ? e : new Error(String(e));
    logger.error(err.message, err.stack, 'ztsdb');
  };
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
      if (!(e instanceof NatsUnavailableError)) throw e;
      for (const line of e.message.split('\n')) logger.error(line, undefined, 'ztsdb');
      return 1;
    }
  }

  (await import('@ztsdb/platform')).releaseMemory({
    mmapThreshold: settings.ZTSDB_MALLOC_MMAP_THRESHOLD,
    intervalMs: settings.ZTSDB_MEMORY_RELEASE_INTERVAL,
    collectAfterGrowth: settings.ZTSDB_MEMORY_COLLECT_GROWTH,
    dataDir: settings.ZTSDB_DATA_DIR,
  });
  const apps: INestApplicationContext[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // Side by side: each service is safe to stop at any point on its own (nothing acknowledged
    // is only in memory), and with NATS away each waits out its own request timeouts, which
    // one after another added up to a minute and a half under `ztsdb all`.
    await Promise.all(
      apps.map((app) =>
        app
          .close()
          .catch((e: Error) => logger.error(`while stopping: ${e.message}`, undefined, 'ztsdb')),
      ),
    );
    if (nats && nats.exitCode === null) {
      const exited = new Promise((r) => nats!.once('exit', r));
      nats.kill('SIGTERM');
      await exited;
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  for (const name of command === 'all' ? ALL_SERVICES : [command]) {
    try {
      apps.push(await startService(name, settings));
    } catch (e) {
      const err = e as Error;
      logger.error(
        `cannot start the ${name}: ${err.message}`,
        debugEnabled() ? err.stack : undefined,
        'ztsdb',
      );
      await stop(1);
      return 1;
    }
  }
  if (newSpace === 'startup') void releaseNewSpaceAfterStartup();
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

process.on('uncaughtException', (e) => {
  reportUncaught(e);
  process.exit(1);
});
process.on('unhandledRejection', (e) => {
  // lmdb-js's own promise of a failed commit: libs/tsdb observed the failure through its writes and marked this one dropped.
  if (
    typeof e === 'object' &&
    e !== null &&
    (e as Record<symbol, unknown>)[Symbol.for('ztsdb.droppedRejection')] === true
  )
    return;
  reportUncaught(e);
  process.exit(1);
});

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => process.exit(reportError(e, (l) => process.stderr.write(`${l}\n`))),
);
