import type { INestApplicationContext } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { quickSettings } from '@ztsdb/config-lite';
import { holdNewSpace, newSpacePlan, releaseNewSpaceAfterStartup } from '@ztsdb/fileutil';
import { releaseMemory } from './malloc-tuning';

/**
 * Runs one service as its own process (an app's `main.ts`, what `nest start
 * <app>` runs): settings from the environment, the app's public bootstrap,
 * closed on SIGINT or SIGTERM. The `ztsdb` launcher (apps/cli) boots the same
 * bootstraps, several in one process for `ztsdb all`.
 */
export function runService(
  name: string,
  bootstrap: (settings: Settings) => Promise<INestApplicationContext>,
): void {
  const log = (msg: string): void => void process.stderr.write(`ztsdb ${name}: ${msg}\n`);
  // Valid settings come from the table; libs/config (class-validator: ~320 modules, about
  // 14 MiB of RSS kept for good) is loaded only when the table refuses, for its message.
  const quick = quickSettings(process.env) as Settings | undefined;
  if (quick) return start(quick);
  void import('@ztsdb/config').then(({ loadSettings, SettingsError }) => {
    let settings: Settings;
    try {
      settings = loadSettings(process.env);
    } catch (e) {
      if (!(e instanceof SettingsError)) throw e;
      log(e.message);
      process.exit(2);
    }
    start(settings);
  });

  function start(settings: Settings): void {
    const newSpace = newSpacePlan(settings.ZTSDB_V8_NEW_SPACE, name === 'compactor');
    if (newSpace !== 'grow') holdNewSpace();
    releaseMemory({
      mmapThreshold: settings.ZTSDB_MALLOC_MMAP_THRESHOLD,
      intervalMs: settings.ZTSDB_MEMORY_RELEASE_INTERVAL,
      collectAfterGrowth: settings.ZTSDB_MEMORY_COLLECT_GROWTH,
      dataDir: settings.ZTSDB_DATA_DIR,
    });
    bootstrap(settings).then(
      (app) => {
        if (newSpace === 'startup') void releaseNewSpaceAfterStartup();
        let stopping = false;
        const stop = (): void => {
          if (stopping) return;
          stopping = true;
          app.close().then(
            () => process.exit(0),
            (e: Error) => {
              log(`while stopping: ${e.message}`);
              process.exit(1);
            },
          );
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      },
      (e: Error) => {
        log(`cannot start: ${e.message}`);
        process.exit(1);
      },
    );
  }
}
