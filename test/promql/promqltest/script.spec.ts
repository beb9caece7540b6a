import { MemoryQueryable } from '@ztsdb/promql';
import { runScript } from './runner';
import { expandItem, parseScript, parseTime } from './script';

function store() {
  const mem = new MemoryQueryable();
  return { queryable: mem, add: mem.add.bind(mem), clear: mem.clear.bind(mem) };
}

describe('PromQL test script parser', () => {
  it('expands series values', () => {
    expect(expandItem('1+2x3')).toEqual([1, 3, 5, 7]);
    expect(expandItem('-1-1x2')).toEqual([-1, -2, -3]);
    expect(expandItem('5x2')).toEqual([5, 5, 5]);
    expect(expandItem('_x2')).toEqual([undefined, undefined]);
    expect(expandItem('1e3+1x1')).toEqual([1000, 1001]);
    expect(Number.isNaN(expandItem('stale')[0])).toBe(true);
    expect(parseTime('10s53ms')).toBe(10_053);
    expect(parseTime('0')).toBe(0);
  });

  it('reads load, eval with expect lines, and treats comments as blank lines', () => {
    const cmds = parseScript(
      [
        'load 1m',
        '  m{a="1"} 0+1x2 _ 5',
        '',
        'eval instant at 1m m',
        '  expect fail msg: boom',
        '  m{a="1"} 1',
        '# a comment ends the block',
        'eval instant at 0 m',
      ].join('\n'),
    );
    expect(cmds[0]).toMatchObject({
      kind: 'load',
      intervalMs: 60_000,
      series: [{ values: [0, 1, 2, undefined, 5] }],
    });
    expect(cmds[1]).toMatchObject({
      kind: 'eval',
      startMs: 60_000,
      expects: [{ type: 'fail', message: 'boom' }],
    });
    expect(cmds).toHaveLength(3);
    expect(cmds[1]).toMatchObject({ series: [{ values: [1] }] });
    expect(() => parseScript('m 1')).toThrow(/unknown command/);
  });
});

describe('PromQL test script runner', () => {
  it('passes a right expectation and fails a wrong one', async () => {
    const script = (v: number): string =>
      [
        'load 1m',
        '  m 1 2 3',
        '',
        'eval instant at 2m m * 2',
        `  {} ${v}`,
        '',
        'eval range from 0 to 2m step 1m m',
        '  m 1 2 3',
      ].join('\n');
    const ok = await runScript('t', script(6), store());
    expect(ok.map((r) => r.status)).toEqual(['passed', 'passed']);
    const bad = await runScript('t', script(7), store());
    expect(bad[0]).toMatchObject({ status: 'failed', error: 'expected 7 for {}, got 6' });
  });

  it('counts native histogram cases apart and never evaluates them', async () => {
    const res = await runScript(
      't',
      ['load 1m', '  h {{schema:0 sum:1 count:1}}', '', 'eval instant at 0 h', '  {} 1'].join('\n'),
      store(),
    );
    expect(res[0]!.status).toBe('histogram');
  });
});
