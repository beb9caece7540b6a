import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { holdNewSpace, newSpacePlan, releaseNewSpace } from './index';

const BUILT = join(
  __dirname,
  '..',
  '..',
  '..',
  'dist',
  'libs',
  'fileutil',
  'src',
  'v8-new-space.js',
);

const newSpaceBytes = (): number =>
  getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;

describe('holdNewSpace', () => {
  // The flag is the isolate's: later test files in this worker get V8's default (2) back.
  afterAll(() => setFlagsFromString('--semi-space-growth-factor=2'));

  it('small and grow say so; auto holds it in the compactor, elsewhere during start-up', () => {
    expect(newSpacePlan('small', true)).toBe('held');
    expect(newSpacePlan('small', false)).toBe('held');
    expect(newSpacePlan('grow', true)).toBe('grow');
    expect(newSpacePlan('grow', false)).toBe('grow');
    expect(newSpacePlan('auto', true)).toBe('held');
    expect(newSpacePlan('auto', false)).toBe('startup');
  });

  it('stops the new space from growing past the size it has', () => {
    expect(holdNewSpace()).toBe(true);
    const before = newSpaceBytes();
    // Objects that survive scavenges: what makes V8 grow the new space.
    const kept: object[] = [];
    for (let i = 0; i < 400_000; i++) kept.push({ i, s: `x${i}` });
    expect(kept).toHaveLength(400_000);
    expect(newSpaceBytes()).toBeLessThanOrEqual(before);
  });

  it('grows again once released, after the start-up work (in a fresh process: this one may have grown it already)', () => {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const v8 = require('node:v8');
        const m = require(process.env.BUILT);
        const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
        const survive = () => { const kept = []; for (let i = 0; i < 400000; i++) kept.push({ i, s: 'x' + i }); return kept.length; };
        (async () => {
          m.holdNewSpace();
          let done;
          m.duringStartup(new Promise((r) => (done = r)));
          const released = m.releaseNewSpaceAfterStartup();
          await new Promise((r) => setTimeout(r, 10));
          survive();
          const held = size();
          done();
          await released;
          survive();
          console.log(JSON.stringify([held, size()]));
        })();`,
      ],
      { encoding: 'utf8', env: { ...process.env, BUILT } },
    );
    const [held, released] = JSON.parse(out.trim()) as [number, number];
    expect(released).toBeGreaterThan(held);
    expect(releaseNewSpace()).toBe(true);
  });
});
