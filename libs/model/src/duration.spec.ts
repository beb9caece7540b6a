import { parseDurationMs } from './duration';

describe('parseDurationMs', () => {
  it('reads Prometheus durations exactly by default', () => {
    expect(parseDurationMs('1y2w3d4h5m6s7ms')).toBe(
      365 * 86_400_000 + 2 * 604_800_000 + 3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000 + 6007,
    );
    expect(parseDurationMs('5m')).toBe(300_000);
    expect(parseDurationMs('5ms')).toBe(5);
    for (const bad of ['', '5', '1.5h', '5x', '30m1h', '1h1h', ' 5m', '-5m'])
      expect(parseDurationMs(bad)).toBeUndefined();
  });

  it('takes fractions and plain milliseconds when the form allows them', () => {
    expect(parseDurationMs('1.5h', { fractions: true })).toBe(5_400_000);
    expect(parseDurationMs('0.0004s', { fractions: true })).toBe(0);
    expect(parseDurationMs('250', { plainMs: true })).toBe(250);
    expect(parseDurationMs('250', { fractions: true })).toBeUndefined();
    expect(parseDurationMs('1h30m', { fractions: true, plainMs: true })).toBe(5_400_000);
  });
});
