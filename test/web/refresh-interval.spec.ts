import {
  DEFAULT_REFRESH_SEC,
  REFRESH_CHOICES,
  refreshChoices,
  refreshSeconds,
} from '../../apps/web/src/refresh-interval';

describe('containers page refresh interval', () => {
  it('reads whole seconds from the URL, 0 meaning off', () => {
    expect(refreshSeconds('1')).toBe(1);
    expect(refreshSeconds('0')).toBe(0);
    expect(refreshSeconds('30')).toBe(30);
  });

  it('takes the default for a missing, empty, negative, fractional, huge or non-numeric value', () => {
    for (const v of [null, '', ' ', '-2', '1.5', '86400', 'abc', 'Infinity'])
      expect(refreshSeconds(v)).toBe(DEFAULT_REFRESH_SEC);
  });

  it('offers the usual choices, and the current interval in its place when a link set another', () => {
    expect(refreshChoices(5)).toEqual(REFRESH_CHOICES);
    expect(refreshChoices(1)).toEqual([0, 1, 2, 5, 10, 30]);
    expect(refreshChoices(60)).toEqual([0, 2, 5, 10, 30, 60]);
  });
});
