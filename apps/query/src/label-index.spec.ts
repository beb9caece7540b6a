import type { Labels } from '@ztsdb/model';
import { LabelIndex } from './label-index';
import { labelsMatch, parseSelector, type LabelMatcher } from './series-selector';

const SERIES: Array<[string, Labels]> = [];
for (let i = 0; i < 300; i++) {
  SERIES.push([
    `s${i}`,
    {
      __name__: ['container_cpu_usage', 'container_memory_bytes', 'container_net_rx_bytes'][i % 3]!,
      container_id: `id${i}`,
      image: i % 5 === 0 ? 'redis' : i % 5 === 1 ? 'nginx' : '',
      host: `h${i % 4}`,
    },
  ]);
}

function index(): LabelIndex {
  const x = new LabelIndex();
  for (const [n, l] of SERIES) x.add(n, l);
  return x;
}

const matchersOf = (text: string): LabelMatcher[] => {
  const sel = parseSelector(text);
  if (sel.kind !== 'matchers') throw new Error(text);
  return sel.matchers;
};

describe('label index', () => {
  it.each([
    'container_cpu_usage',
    'container_cpu_usage{container_id="id3"}',
    'container_cpu_usage{container_id="id4"}',
    '{container_id="id3", host="h3", __name__="container_cpu_usage"}',
    '{container_id="id3", host="h0"}',
    '{host="h1", image="redis", container_id=~"id1.*"}',
    'container_cpu_usage{container_id="nobody"}',
    '{__name__=~"container_.*_bytes"}',
    '{__name__=~"container_.*", image="redis"}',
    '{__name__=~"container_.*", image!="redis"}',
    '{__name__=~"container_.*", image=""}',
    '{image!="", host="h1"}',
    '{image=~"redis|nginx", host!~"h[01]"}',
    '{host=~"h.*", image!~"r.*"}',
    'container_memory_bytes{host="h2",image=~".*"}',
    '{container_id="id7"}',
    '{container_id="nope"}',
    '{nolabel=~"x.*"}',
  ])('selects %s as a scan of every series does', async (text) => {
    const ms = matchersOf(text);
    const want = SERIES.filter(([, l]) => labelsMatch(l, ms))
      .map(([n]) => n)
      .sort();
    expect((await index().select(ms)).sort()).toEqual(want);
  });

  it('tests a regex once per distinct label value, not once per series', async () => {
    const ms = matchersOf('{__name__=~"container_.*_bytes", host!~"h0"}');
    const counts = ms.map(() => 0);
    const counted = ms.map((m, i) =>
      m.re
        ? { ...m, re: { test: (v: string) => ((counts[i] = counts[i]! + 1), m.re!.test(v)) } }
        : m,
    );
    const got = await index().select(counted);
    expect(got.length).toBe(SERIES.filter(([, l]) => labelsMatch(l, ms)).length);
    // Three metric names (and the empty string once, to learn whether it can narrow).
    expect(counts[0]).toBeLessThanOrEqual(4);
    // Four hosts (and the empty string once).
    expect(counts[1]).toBeLessThanOrEqual(5);
  });

  it('forgets the old labels of a series registered again', async () => {
    const x = index();
    x.remove('s0', SERIES[0]![1]);
    x.add('s0', { __name__: 'other', host: 'h9' });
    expect(await x.select(matchersOf('{host="h9"}'))).toEqual(['s0']);
    expect(await x.select(matchersOf('{container_id="id0"}'))).toEqual([]);
    expect(x.values('host')).toBe(5);
  });
});
