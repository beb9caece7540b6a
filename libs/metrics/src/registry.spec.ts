import { MetricsRegistry } from './registry';

describe('metrics registry', () => {
  it('renders counters, gauges and collected gauges in the Prometheus text format', () => {
    const r = new MetricsRegistry();
    const c = r.counter('ztsdb_x_total', 'Things.');
    c.inc();
    c.inc({ reason: 'bad "magic"' }, 2);
    r.gauge('ztsdb_backlog', 'Backlog.').set(3);
    r.gaugeFn('ztsdb_series', 'Series.', () => [{ labels: { p: '0' }, value: 7 }]);
    expect(c.get()).toBe(1);
    expect(r.render()).toBe(
      [
        '# HELP ztsdb_x_total Things.',
        '# TYPE ztsdb_x_total counter',
        'ztsdb_x_total 1',
        'ztsdb_x_total{reason="bad \\"magic\\""} 2',
        '# HELP ztsdb_backlog Backlog.',
        '# TYPE ztsdb_backlog gauge',
        'ztsdb_backlog 3',
        '# HELP ztsdb_series Series.',
        '# TYPE ztsdb_series gauge',
        'ztsdb_series{p="0"} 7',
        '',
      ].join('\n'),
    );
  });
});
