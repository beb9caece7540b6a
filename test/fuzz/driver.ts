import { FuzzViolation, type FuzzTarget } from './fuzz-target';
import { Rng, mutate } from './mutator';

export interface DriverOptions {
  /** Stop after this many executions (seeds included). */
  iterations?: number;
  /** Stop after this many seconds. */
  seconds?: number;
  seed?: number;
  /** One execution taking longer than this is a failure (a super-linear path). */
  slowMs?: number;
  maxLen?: number;
  /** Resident memory above this after an input is a failure (an allocation the input does not back). */
  rssLimitMb?: number;
  /** Called about once a second with the counts so far. */
  onProgress?: (p: DriverProgress) => void;
}

export interface DriverProgress {
  target: string;
  execs: number;
  elapsedMs: number;
  corpus: number;
}

export interface DriverFailure {
  target: string;
  input: Uint8Array;
  error: Error;
}

export interface DriverResult extends DriverProgress {
  failure?: DriverFailure;
}

/**
 * Runs a target over its seeds, then over mutations of them (each new input
 * from a random corpus entry, spliced with another), until the iteration or
 * time budget is spent or the property breaks. Deterministic for a seed.
 * Without coverage feedback, inputs that throw a typed error join the pool
 * sparingly so the pool keeps mostly decodable shapes.
 */
export async function runTarget(
  target: FuzzTarget,
  seeds: readonly Uint8Array[],
  opts: DriverOptions = {},
): Promise<DriverResult> {
  const rng = new Rng(opts.seed ?? 1);
  const slowMs = opts.slowMs ?? 2000;
  const rssLimit = (opts.rssLimitMb ?? 2048) * 2 ** 20;
  const deadline = opts.seconds !== undefined ? Date.now() + opts.seconds * 1000 : Infinity;
  const maxIter = opts.iterations ?? Infinity;
  const pool = seeds.length > 0 ? [...seeds] : [new Uint8Array(0)];
  const started = Date.now();
  let lastReport = started;
  let execs = 0;
  const progress = (): DriverProgress => ({
    target: target.name,
    execs,
    elapsedMs: Date.now() - started,
    corpus: pool.length,
  });
  const exec = async (input: Uint8Array): Promise<DriverFailure | undefined> => {
    const t0 = performance.now();
    try {
      await target.run(input);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      // Anything escaping run() is a failure: targets turn tolerated errors into returns.
      return { target: target.name, input, error };
    } finally {
      execs++;
    }
    const ms = performance.now() - t0;
    if (ms > slowMs)
      return {
        target: target.name,
        input,
        error: new FuzzViolation(`one input took ${ms.toFixed(0)} ms (limit ${slowMs} ms)`),
      };
    const rss = process.memoryUsage.rss();
    if (rss > rssLimit)
      return {
        target: target.name,
        input,
        error: new FuzzViolation(
          `resident memory reached ${(rss / 2 ** 20).toFixed(0)} MiB after one input`,
        ),
      };
    return undefined;
  };
  try {
    for (const s of seeds) {
      const failure = await exec(s);
      if (failure) return { ...progress(), failure };
    }
    while (execs < maxIter && Date.now() < deadline) {
      const base = pool[rng.int(pool.length)]!;
      const other = pool[rng.int(pool.length)]!;
      const input = mutate(base, other, rng, opts.maxLen);
      const failure = await exec(input);
      if (failure) return { ...progress(), failure };
      if (pool.length < 4096 && rng.int(16) === 0) pool.push(input);
      if (opts.onProgress && Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        opts.onProgress(progress());
      }
    }
    return progress();
  } finally {
    await target.close?.();
  }
}

/** A failure as text: the target, the error and the input (base64), enough to reproduce it. */
export function describeFailure(f: DriverFailure): string {
  const cause = (f.error as Error & { cause?: Error }).cause;
  return [
    `fuzz target ${f.target}: ${f.error.message}`,
    `input (${f.input.length} bytes, base64): ${Buffer.from(f.input).toString('base64')}`,
    cause?.stack ?? f.error.stack ?? '',
  ].join('\n');
}
