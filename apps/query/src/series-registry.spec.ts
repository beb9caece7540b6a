import { SeriesRegistry, type KnownSeries } from './series-registry';
import { parseSelector } from './series-selector';

const series = (name: string, i: number): KnownSeries => ({
  id: i.toString(16).padStart(16, '0'),
  name,
  labels: { __name__: 'm', k: name },
  active: true,
  updatedMs: 0,
  seriesId: BigInt(i),
});

describe('SeriesRegistry', () => {
  // Names where code-unit order differs from locale order and from insertion order.
  const names = ['b', 'B', 'a.b', 'a-b', 'é', 'Z9', 'z10', 'a', '\u{1F600}x', 'ab'];
  const registry = new SeriesRegistry({} as never);
  names.forEach((n, i) => registry.put(series(n, i)));
  const byCodeUnits = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  it('answers selectors and globs sorted by name, in code-unit order', async () => {
    const got = await registry.select(parseSelector('m'));
    expect(got.map((s) => s.name)).toEqual(byCodeUnits);
    expect(got.map((s) => s.seriesId)).toEqual(byCodeUnits.map((n) => BigInt(names.indexOf(n))));
    expect((await registry.match('*')).map((s) => s.name)).toEqual(byCodeUnits);
    expect((await registry.match('a*')).map((s) => s.name)).toEqual(['a', 'a-b', 'a.b', 'ab']);
  });

  it('sorts any list of known names', () => {
    expect(registry.sortedByName(['z10', 'Z9', 'a']).map((s) => s.name)).toEqual([
      'Z9',
      'a',
      'z10',
    ]);
  });
});
