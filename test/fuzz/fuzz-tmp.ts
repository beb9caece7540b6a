import * as os from 'node:os';

/**
 * Where targets make their temp dirs: ZTSDB_FUZZ_TMPDIR when the runner set
 * one (it removes it after a Jazzer child, which libFuzzer ends with exit()
 * before any cleanup of ours runs), else the system temp dir.
 */
export function fuzzTmpDir(): string {
  return process.env.ZTSDB_FUZZ_TMPDIR ?? os.tmpdir();
}
