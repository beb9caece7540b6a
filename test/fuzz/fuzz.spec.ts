import { readCorpus } from './corpus';
import { describeFailure, runTarget } from './driver';
import { FUZZ_TARGETS } from './targets';

/**
 * The short fuzzing run of `npm test`: every target replays its committed
 * corpus (seeds and regression inputs), then runs mutations of it for a
 * bounded time. ZTSDB_FUZZ_CI_SECONDS sets the time per target (default 3).
 */
const SECONDS = Number(process.env.ZTSDB_FUZZ_CI_SECONDS ?? 3);

describe('fuzz targets (short run)', () => {
  it.each(FUZZ_TARGETS.map((t) => [t.name, t] as const))(
    '%s: typed errors only, round trips hold',
    async (_name, target) => {
      const corpus = readCorpus(target.name);
      expect(corpus.length).toBeGreaterThan(0);
      const r = await runTarget(target, corpus, {
        seconds: SECONDS,
        seed: 20261205,
        slowMs: 10_000,
      });
      if (r.failure) throw new Error(describeFailure(r.failure));
      expect(r.execs).toBeGreaterThanOrEqual(corpus.length);
    },
  );
});
