import { encodeSeriesEntry } from '@ztsdb/model';
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
  const registry = new SeriesRegistry(null);
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

  it('takes encoded KV entries without a bucket, and refuses to start without one', async () => {
    const r = new SeriesRegistry(null);
    const labels = { __name__: 'container_cpu_usage', container_id: 'abcdef012345' };
    const name = 'container.cpu.usage.abcdef012345';
    r.applyEntry(
      '00000000000000ff',
      encodeSeriesEntry({ id: '00000000000000ff', name, labels, active: true, updatedMs: 5 }),
    );
    r.applyEntry('not-a-key', new Uint8Array([1, 2, 3]));
    r.applyEntry('0000000000000100', new Uint8Array([0xff, 0x00]));
    expect(r.size).toBe(1);
    expect(r.get(name)?.seriesId).toBe(255n);
    await expect(r.start()).rejects.toThrow('without a KV bucket');
  });
});
