import type { KnownSeries } from '../series-registry';
import { promLabelsOf } from './series-labels';

function entry(labels: Record<string, string>): KnownSeries {
  return { id: 'k', name: 'cpu{c="a"}', labels, active: true, updatedMs: 0, seriesId: 7n };
}

describe('promLabelsOf', () => {
  it('builds a sorted label set once per registry entry', () => {
    const s = entry({ zone: 'b', __name__: 'cpu', empty: '', container_id: 'a' });
    const l = promLabelsOf(s);
    expect(l).toEqual([
      ['__name__', 'cpu'],
      ['container_id', 'a'],
      ['zone', 'b'],
    ]);
    expect(promLabelsOf(s)).toBe(l);
  });

  it('builds the set afresh for an updated entry of the same series', () => {
    const before = entry({ __name__: 'cpu', image: 'x' });
    const after = entry({ __name__: 'cpu', image: 'y' });
    expect(promLabelsOf(before)).toEqual([
      ['__name__', 'cpu'],
      ['image', 'x'],
    ]);
    expect(promLabelsOf(after)).toEqual([
      ['__name__', 'cpu'],
      ['image', 'y'],
    ]);
  });
});
