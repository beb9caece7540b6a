import { describeFailure } from '../driver';
import { findTarget } from '../targets';

/**
 * The module Jazzer.js loads (`fuzz` is its entry point); the target comes
 * from ZTSDB_FUZZ_TARGET. A failure is printed with its input, libFuzzer
 * writes the input as crash-<sha1> (artifact prefix), and the process ends:
 * the upstream libFuzzer this addon links against would otherwise keep going.
 */
const target = findTarget(process.env.ZTSDB_FUZZ_TARGET ?? '');

export function fuzz(data: Buffer): void {
  try {
    void target.run(new Uint8Array(data));
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    console.error(describeFailure({ target: target.name, input: new Uint8Array(data), error }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { fuzzer } = require('@jazzer.js/fuzzer') as {
      fuzzer: { printAndDumpCrashingInput(): void };
    };
    fuzzer.printAndDumpCrashingInput();
    process.exit(1);
  }
}
