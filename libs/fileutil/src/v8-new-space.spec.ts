import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { holdNewSpace, wantsSmallNewSpace } from './index';

const newSpaceBytes = (): number =>
  getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;

describe('holdNewSpace', () => {
  // The flag is the isolate's: later test files in this worker get V8's default (2) back.
  afterAll(() => setFlagsFromString('--semi-space-growth-factor=2'));

  it('small and grow say so; auto keeps it small in the compactor alone', () => {
    expect(wantsSmallNewSpace('small', true)).toBe(true);
    expect(wantsSmallNewSpace('small', false)).toBe(true);
    expect(wantsSmallNewSpace('grow', true)).toBe(false);
    expect(wantsSmallNewSpace('auto', true)).toBe(true);
    expect(wantsSmallNewSpace('auto', false)).toBe(false);
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
});
