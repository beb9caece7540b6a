import { sparkPath } from '../../apps/web/src/components/spark-path';

/** Points of a path as [command, x, y]. */
function points(d: string): Array<[string, number, number]> {
  return [...d.matchAll(/([ML])(-?[\d.]+) (-?[\d.]+)/g)].map((m) => [
    m[1]!,
    Number(m[2]),
    Number(m[3]),
  ]);
}

describe('sparkline path', () => {
  it('spans the box: first point at x 0, last at the width, the series range bottom to top', () => {
    const p = points(sparkPath([1, 3, 2], undefined, 96, 22));
    expect(p).toEqual([
      ['M', 0, 21],
      ['L', 48, 1],
      ['L', 96, 11],
    ]);
  });

  it('with a fixed top scales from zero, so rows are comparable', () => {
    const p = points(sparkPath([0, 5, 10], 20, 100, 22));
    expect(p.map(([, , y]) => y)).toEqual([21, 16, 11]);
  });

  it('leaves a gap at NaN and starts the next run with a move', () => {
    const p = points(sparkPath([1, 2, NaN, 3, 4], undefined, 40, 22));
    expect(p.map(([c, x]) => `${c}${x}`)).toEqual(['M0', 'L10', 'M30', 'L40']);
  });

  it('draws a flat series along the bottom and nothing for fewer than two points', () => {
    expect(points(sparkPath([7, 7, 7], undefined, 20, 22)).map(([, , y]) => y)).toEqual([
      21, 21, 21,
    ]);
    expect(sparkPath([5], undefined, 20, 22)).toBe('');
    expect(sparkPath([], 10, 20, 22)).toBe('');
    expect(sparkPath([NaN, NaN], undefined, 20, 22)).toBe('');
  });
});
