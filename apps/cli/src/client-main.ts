import { existsSync } from 'node:fs';
import {
  connectWithRetry,
  DEFAULT_TOPOLOGY,
  ensureTopology,
  replicaCount,
  resolvePartitions,
  type RetryPolicy,
} from '@ztsdb/bus';
import type { Settings } from '@ztsdb/config';
import { UsageError, type CliArgs } from './cli-args';
import { cliWording, CommandFailed, reportError } from './cli-errors';
import type { ImportFormat } from './import-parsers';

export const CLIENT_COMMANDS = ['import', 'export', 'query', 'series', 'top', 'repair'] as const;
export type ClientCommand = (typeof CLIENT_COMMANDS)[number];

// Each command's module is loaded by that command only: the query and top modules take
// seconds to load on a busy host, which `import` (timed by the peers benchmark) need not wait.

/** Mistakes the command line alone shows, found before connecting to NATS. */
async function checkArgs(command: ClientCommand, args: CliArgs): Promise<void> {
  if (command === 'query') (await import('./client-commands')).checkQueryArgs(args);
  if (command === 'import' && !existsSync(args.positional[0]!))
    throw new CommandFailed(`cannot read ${args.positional[0]}: no such file`);
}

/** Runs a client command against NATS_URL; returns the exit code. */
export async function runClient(
  command: ClientCommand,
  args: CliArgs,
  settings: Settings,
  log: (m: string) => void,
): Promise<number> {
  // Export reads the query service's HTTP API; it needs no NATS connection.
  if (command === 'export')
    return (await import('./export-command')).exportCommand(args, settings, log);
  // A busy server's timeout is retried (and said so) up to ZTSDB_NATS_RETRY_DEADLINE.
  const retry: RetryPolicy = { deadlineMs: settings.ZTSDB_NATS_RETRY_DEADLINE, log };
  const out = (s: string): void => void process.stdout.write(s);
  const fail = (e: unknown): number => {
    const err = e instanceof Error && !(e instanceof UsageError) ? e : undefined;
    // The query service speaks of HTTP parameters; the user typed options.
    if (err && (command === 'query' || command === 'series')) err.message = cliWording(err.message);
    return reportError(e, (l) => process.stderr.write(`${l}\n`), command);
  };
  try {
    await checkArgs(command, args);
  } catch (e) {
    return fail(e);
  }
  let nc;
  try {
    nc = await connectWithRetry({
      url: settings.NATS_URL,
      name: `ztsdb-${command}`,
      auth: settings,
      initialTimeoutMs: 5000,
      // The server line only when asked for: the command's own output stays clean.
      info: settings.ZTSDB_LOG_LEVEL === 'debug' ? log : undefined,
    });
  } catch (e) {
    if (e instanceof Error && /^cannot reach NATS/.test(e.message))
      e.message += '; is a NATS server running there? Set NATS_URL, or start "ztsdb all"';
    return fail(e);
  }
  try {
    switch (command) {
      case 'import': {
        const file = args.positional[0]!;
        const format = args.options.get('format') as ImportFormat | undefined;
        const topo = await ensureTopology(
          nc,
          { ...DEFAULT_TOPOLOGY, replicas: replicaCount(settings), log },
          retry,
        );
        const partitions = await resolvePartitions(
          topo.config,
          settings.ZTSDB_PARTITIONS,
          log,
          retry,
        );
        const { importFile } = await import('./import-command');
        const s = await importFile(
          nc,
          topo.series,
          partitions,
          file,
          (l) => process.stderr.write(`${file}: ${l}\n`),
          format,
          retry,
          settings.ZTSDB_SAMPLE_BATCH_VERSION,
        );
        const rate = s.seconds > 0 ? Math.round(s.samples / s.seconds) : s.samples;
        log(
          `imported ${s.samples} samples of ${s.series} series (${s.newSeries} new) from ${s.lines} lines in ${s.seconds.toFixed(1)} s (${rate} samples/s); ${s.badLines} bad lines`,
        );
        return s.badLines > 0 ? 1 : 0;
      }
      case 'query':
        await (await import('./client-commands')).queryCommand(nc, args, out, retry);
        return 0;
      case 'series':
        await (await import('./client-commands')).seriesCommand(nc, args, out, retry);
        return 0;
      case 'repair':
        log(
          await (
            await import('./repair-command')
          ).repairRegistry(nc, settings.ZTSDB_DATA_DIR, retry, replicaCount(settings)),
        );
        return 0;
      case 'top':
        await (await import('./top-command')).topCommand(nc, args.flags.has('once'), out);
        return 0;
    }
  } catch (e) {
    return fail(e);
  } finally {
    await nc.close();
  }
}
