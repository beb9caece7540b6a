import {
  connectWithRetry,
  DEFAULT_TOPOLOGY,
  ensureTopology,
  resolvePartitions,
  type RetryPolicy,
} from '@ztsdb/bus';
import type { Settings } from '@ztsdb/config';
import { parseArgs } from './cli-args';
import { queryCommand, seriesCommand } from './client-commands';
import { exportCommand } from './export-command';
import { importFile } from './import-command';
import { IMPORT_FORMATS, type ImportFormat } from './import-parsers';
import { repairRegistry } from './repair-command';
import { topCommand } from './top-command';

export const CLIENT_COMMANDS = ['import', 'export', 'query', 'series', 'top', 'repair'] as const;
export type ClientCommand = (typeof CLIENT_COMMANDS)[number];

/** Runs a client command against NATS_URL; returns the exit code. */
export async function runClient(
  command: ClientCommand,
  argv: string[],
  settings: Settings,
  log: (m: string) => void,
): Promise<number> {
  const args = parseArgs(argv, ['json', 'once', 'promql']);
  // Export reads the query service's HTTP API; it needs no NATS connection.
  if (command === 'export') return exportCommand(args, settings, log);
  // A busy server's timeout is retried (and said so) up to ZTSDB_NATS_RETRY_DEADLINE.
  const retry: RetryPolicy = { deadlineMs: settings.ZTSDB_NATS_RETRY_DEADLINE, log };
  const out = (s: string): void => void process.stdout.write(s);
  const nc = await connectWithRetry({
    url: settings.NATS_URL,
    name: `ztsdb-${command}`,
    auth: settings,
    initialTimeoutMs: 5000,
  });
  try {
    switch (command) {
      case 'import': {
        const file = args.positional[0];
        if (!file) {
          log(`usage: ztsdb import FILE [--format ${IMPORT_FORMATS.join('|')}]`);
          return 2;
        }
        const format = args.options.get('format') as ImportFormat | undefined;
        if (format !== undefined && !IMPORT_FORMATS.includes(format)) {
          log(
            `--format must be one of ${IMPORT_FORMATS.join(', ')}, not ${JSON.stringify(format)}`,
          );
          return 2;
        }
        const topo = await ensureTopology(nc, DEFAULT_TOPOLOGY, retry);
        const partitions = await resolvePartitions(
          topo.config,
          settings.ZTSDB_PARTITIONS,
          log,
          retry,
        );
        const s = await importFile(
          nc,
          topo.series,
          partitions,
          file,
          (l) => process.stderr.write(`${file}: ${l}\n`),
          format,
          retry,
        );
        const rate = s.seconds > 0 ? Math.round(s.samples / s.seconds) : s.samples;
        log(
          `imported ${s.samples} samples of ${s.series} series (${s.newSeries} new) from ${s.lines} lines in ${s.seconds.toFixed(1)} s (${rate} samples/s); ${s.badLines} bad lines`,
        );
        return s.badLines > 0 ? 1 : 0;
      }
      case 'query':
        await queryCommand(nc, args, out, retry);
        return 0;
      case 'series':
        await seriesCommand(nc, args, out, retry);
        return 0;
      case 'repair':
        log(await repairRegistry(nc, settings.ZTSDB_DATA_DIR, retry));
        return 0;
      case 'top':
        await topCommand(nc, args.flags.has('once'), out);
        return 0;
    }
  } catch (e) {
    log((e as Error).message);
    return 1;
  } finally {
    await nc.close();
  }
}
