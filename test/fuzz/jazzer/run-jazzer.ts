import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

function repoPath(...p: string[]): string {
  return path.resolve(__dirname, '..', '..', '..', '..', ...p);
}

/** Whether Jazzer.js's native fuzzer loads here (see build-addon.sh when it does not). */
export function jazzerAvailable(): boolean {
  const r = spawnSync(process.execPath, ['-e', "require('@jazzer.js/fuzzer')"], {
    cwd: repoPath(),
    stdio: 'ignore',
  });
  return r.status === 0;
}

/**
 * Fuzzes one target with Jazzer.js (libFuzzer, coverage of the instrumented
 * dist/libs and dist/apps code) for `seconds`. New inputs go to
 * `<workDir>/corpus`, the committed seeds are read only, failures are written
 * to `<workDir>/crash-<sha1>`. Resolves with the exit code (0: no failure).
 */
export function runJazzer(
  target: string,
  seedDir: string,
  workDir: string,
  seconds: number,
): Promise<number> {
  const corpus = path.join(workDir, 'corpus');
  fs.mkdirSync(corpus, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(workDir, 'tmp-'));
  const cli = require.resolve('@jazzer.js/core/dist/cli.js', { paths: [repoPath()] });
  const args = [
    cli,
    path.join(__dirname, 'entry.js'),
    corpus,
    seedDir,
    '--sync',
    '-i',
    repoPath('dist', 'libs') + path.sep,
    '-i',
    repoPath('dist', 'apps') + path.sep,
    '--disable_bug_detectors=.*',
    '--',
    `-max_total_time=${Math.ceil(seconds)}`,
    `-artifact_prefix=${workDir}${path.sep}`,
    '-max_len=4096',
    '-timeout=10',
    '-rss_limit_mb=2048',
    '-print_final_stats=1',
  ];
  console.log(`${target}: jazzer ${args.slice(1).join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: repoPath(),
      env: { ...process.env, ZTSDB_FUZZ_TARGET: target, ZTSDB_FUZZ_TMPDIR: tmp },
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => {
      fs.rmSync(tmp, { recursive: true, force: true });
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
