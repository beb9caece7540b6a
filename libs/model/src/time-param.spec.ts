import { parseTimeParam } from './time-param';

describe('parseTimeParam', () => {
  const now = 1_700_000_000_000;
  it('reads epoch ms, RFC 3339, now and relative times', () => {
    expect(parseTimeParam('start', '1699999999000', 0, now)).toBe(1_699_999_999_000);
    expect(parseTimeParam('start', '2023-11-14T22:13:20Z', 0, now)).toBe(1_700_000_000_000);
    expect(parseTimeParam('start', '2023-11-14T23:13:20.5+01:00', 0, now)).toBe(1_700_000_000_500);
    expect(parseTimeParam('end', 'now', 0, now)).toBe(now);
    expect(parseTimeParam('start', '-5m', 0, now)).toBe(now - 300_000);
    expect(parseTimeParam('start', '-1h', 0, now)).toBe(now - 3_600_000);
    expect(parseTimeParam('start', '-1.5s', 0, now)).toBe(now - 1500);
    // The one duration parser's form: units in Prometheus's order, years too.
    expect(parseTimeParam('start', '-1h30m', 0, now)).toBe(now - 5_400_000);
    expect(parseTimeParam('start', '-1y', 0, now)).toBe(now - 365 * 86_400_000);
    expect(parseTimeParam('start', undefined, 42, now)).toBe(42);
  });
  it('names the parameter when the value is bad', () => {
    for (const bad of [
      'yesterday',
      '5m',
      '-5x',
      '-30m1h',
      '2023-13-45',
      '1e9',
      '2023-11-14T22:13:20',
    ]) {
      expect(() => parseTimeParam('start', bad, 0, now)).toThrow(/parameter "start"/);
    }
  });
});
