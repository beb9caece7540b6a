/**
 * Prometheus's own PromQL test scripts, run against libs/promql over an in-memory store.
 * Every float case must pass unless it is listed, with its reason, in
 * libs/promql/conformance-known-failures.json; a listed case that now passes fails the test
 * too, so the list stays true. Native-histogram cases are counted apart and never passed.
 * The scripts live in ../shared/promqltest beside the repository (PROMQLTEST_DIR overrides).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MemoryQueryable } from '@ztsdb/promql';
import { runScript, type CaseResult } from './promqltest/runner';

const repoRoot = resolve(__dirname, '..', '..');
const scriptsDir = process.env.PROMQLTEST_DIR ?? resolve(repoRoot, '..', 'shared', 'promqltest');
const knownFile = join(repoRoot, 'libs', 'promql', 'conformance-known-failures.json');
const known = JSON.parse(readFileSync(knownFile, 'utf8')) as Record<string, string>;
const files = existsSync(scriptsDir)
  ? readdirSync(scriptsDir)
      .filter((f) => f.endsWith('.test'))
      .sort()
  : [];
const all: CaseResult[] = [];
const counts: string[] = [];

describe('PromQL conformance scripts', () => {
  it('finds the scripts', () => {
    if (files.length === 0) {
      throw new Error(
        `no PromQL test scripts in ${scriptsDir}: clone shared/ beside the repository or set PROMQLTEST_DIR`,
      );
    }
  });

  for (const file of files) {
    it(`${file}: every float case passes or is a listed known failure`, async () => {
      const mem = new MemoryQueryable();
      const store = { queryable: mem, add: mem.add.bind(mem), clear: mem.clear.bind(mem) };
      const results = await runScript(file, readFileSync(join(scriptsDir, file), 'utf8'), store);
      all.push(...results);
      const unexpected = results.filter((r) => r.status === 'failed' && !(r.id in known));
      const nowPassing = results.filter((r) => r.status === 'passed' && r.id in known);
      const n = (s: string) => results.filter((r) => r.status === s).length;
      const knownFailing = results.filter((r) => r.status === 'failed' && r.id in known).length;
      counts.push(
        `${file}: ${n('passed')} passed, ${knownFailing} known-failing, ${n('histogram')} histogram-skipped`,
      );
      const report = [
        ...unexpected.map((r) => `FAILED ${r.id} ${r.query}\n    ${r.error}`),
        ...nowPassing.map((r) => `NOW PASSES (remove from the known failures) ${r.id} ${r.query}`),
      ];
      expect(report).toEqual([]);
    });
  }

  afterAll(() => {
    if (counts.length > 0) console.log(`PromQL conformance\n${counts.join('\n')}`);
    if (process.env.PROMQLTEST_WRITE_KNOWN === '1') {
      const out: Record<string, string> = {};
      for (const r of all)
        if (r.status === 'failed')
          out[r.id] = known[r.id] ?? (r.error ?? '').split('\n')[0]!.slice(0, 160);
      writeFileSync(knownFile, JSON.stringify(out, null, 2) + '\n');
    }
  });
});
