/**
 * Whole PromQL test scripts of Prometheus end to end through a real stack: a nats-server and
 * `ztsdb all` from dist, the scripts' samples ingested through the samples stream (one fresh
 * stack per `clear`), every query asked over HTTP (`/api/v1/query`, `/api/v1/query_range`,
 * form-encoded POST) and compared by the scripts' own rules, each instant query also in range
 * mode (data and query times shifted past 2000, see stack-store.ts). Every float case must pass; native-histogram cases are counted apart.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HttpQueryRunner } from './promqltest/http-runner';
import { runScript } from './promqltest/runner';
import { STACK_TIME_OFFSET_MS, StackStore } from './promqltest/stack-store';

const repoRoot = resolve(__dirname, '..', '..');
const scriptsDir = process.env.PROMQLTEST_DIR ?? resolve(repoRoot, '..', 'shared', 'promqltest');
const SCRIPTS = ['literals.test', 'selectors.test', 'aggregators.test'];
const counts: string[] = [];

jest.setTimeout(300_000);

describe('PromQL conformance scripts through a real stack', () => {
  const store = new StackStore();
  afterAll(async () => {
    await store.stop();
    if (counts.length > 0) console.log(`PromQL conformance through HTTP\n${counts.join('\n')}`);
  });

  for (const file of SCRIPTS) {
    it(`${file}: every float case passes through /api/v1`, async () => {
      const engine = new HttpQueryRunner(() => store.http(), STACK_TIME_OFFSET_MS);
      const before = store.stacksStarted;
      const results = await runScript(file, readFileSync(join(scriptsDir, file), 'utf8'), store, {
        engine,
        // The @-rewritten variants are expressions, not texts; the in-process runner covers them.
        atVariants: false,
      });
      const n = (s: string): number => results.filter((r) => r.status === s).length;
      counts.push(
        `${file}: ${n('passed')} passed, ${n('failed')} failed, ${n('histogram')} histogram-skipped, ${store.stacksStarted - before} stacks`,
      );
      expect(n('passed')).toBeGreaterThan(0);
      expect(
        results
          .filter((r) => r.status === 'failed')
          .map((r) => `${r.id} ${r.query}\n    ${r.error}`),
      ).toEqual([]);
    });
  }
});
