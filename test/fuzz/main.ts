import * as fs from 'node:fs';
import * as path from 'node:path';
import { corpusDir, entryName, readCorpus } from './corpus';
import { describeFailure, runTarget } from './driver';
import { jazzerAvailable, runJazzer } from './jazzer/run-jazzer';
import { FUZZ_TARGETS, findTarget } from './targets';

/**
 * The long fuzzing run: `npm run fuzz [-- target…]`. Settings (environment):
 * ZTSDB_FUZZ_SECONDS per target (default 60), ZTSDB_FUZZ_ENGINE (`auto`:
 * Jazzer.js when its native fuzzer loads, else the built-in mutator; or
 * `jazzer`, `builtin`), ZTSDB_FUZZ_SEED (built-in engine, default the time),
 * ZTSDB_FUZZ_FINDINGS_DIR (default `fuzz-findings`): failing inputs land
 * there, and Jazzer adds the new coverage it finds to a working copy there too.
 */
async function main(): Promise<number> {
  const seconds = Number(process.env.ZTSDB_FUZZ_SECONDS ?? 60);
  const engine = process.env.ZTSDB_FUZZ_ENGINE ?? 'auto';
  const seed = Number(process.env.ZTSDB_FUZZ_SEED ?? Date.now() % 2 ** 31);
  const findings = path.resolve(process.env.ZTSDB_FUZZ_FINDINGS_DIR ?? 'fuzz-findings');
  if (!(seconds > 0))
    throw new Error(`ZTSDB_FUZZ_SECONDS must be a positive number, got ${seconds}`);
  if (!['auto', 'jazzer', 'builtin'].includes(engine))
    throw new Error(`ZTSDB_FUZZ_ENGINE must be auto, jazzer or builtin, got ${engine}`);
  const names = process.argv.slice(2);
  const targets = names.length > 0 ? names.map(findTarget) : FUZZ_TARGETS;
  const jazzer = engine !== 'builtin' && jazzerAvailable();
  if (engine === 'jazzer' && !jazzer)
    throw new Error(
      'Jazzer.js native fuzzer does not load here; see test/fuzz/jazzer/build-addon.sh',
    );
  console.log(
    `fuzzing ${targets.length} target(s), ${seconds} s each, engine ${jazzer ? 'jazzer (coverage-guided)' : `built-in mutator (seed ${seed})`}`,
  );
  let failed = 0;
  for (const t of targets) {
    fs.mkdirSync(findings, { recursive: true });
    if (jazzer && !t.async) {
      const code = await runJazzer(t.name, corpusDir(t.name), path.join(findings, t.name), seconds);
      if (code !== 0) failed++;
      console.log(`${t.name}: ${code === 0 ? 'no failure' : `failed (exit code ${code})`}`);
      continue;
    }
    const r = await runTarget(t, readCorpus(t.name), {
      seconds,
      seed,
      onProgress: (p) =>
        console.log(
          `  ${p.target}: ${p.execs} execs in ${(p.elapsedMs / 1000).toFixed(0)} s, pool ${p.corpus}`,
        ),
    });
    if (r.failure) {
      failed++;
      const file = path.join(findings, `crash-${t.name}-${entryName(r.failure.input)}`);
      fs.writeFileSync(file, r.failure.input);
      console.error(describeFailure(r.failure));
      console.error(`  input written to ${file}`);
    } else {
      console.log(
        `${t.name}: ${r.execs} execs in ${(r.elapsedMs / 1000).toFixed(1)} s, no failure`,
      );
    }
  }
  console.log(
    failed === 0 ? 'fuzzing done: no failure' : `fuzzing done: ${failed} target(s) failed`,
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`fuzz: ${(err as Error).message}`);
    process.exit(2);
  },
);
