import { MetricsRegistry } from './registry';

describe('metrics registry', () => {
  it('renders counters (0 before any event), gauges, histograms and collected gauges', async () => {
    const r = new MetricsRegistry();
    r.counter('ztsdb_idle_total', 'Never counted.');
    const c = r.counter('ztsdb_x_total', 'Things.', ['reason']);
    c.inc({ reason: 'bad "magic"' }, 2);
    r.gauge('ztsdb_backlog', 'Backlog.').set(3);
    r.gaugeFn('ztsdb_series', 'Series.', () => [{ labels: { p: '0' }, value: 7 }]);
    r.histogram('ztsdb_x_seconds', 'Latency.', [0.1, 1]).observe(0.5);
    const text = await r.render();
    expect(text).toContain('# TYPE ztsdb_idle_total counter\nztsdb_idle_total 0\n');
    expect(text).toContain('ztsdb_x_total{reason="bad \\"magic\\""} 2\n');
    expect(text).toContain('# TYPE ztsdb_backlog gauge\nztsdb_backlog 3\n');
    expect(text).toContain(
      '# HELP ztsdb_series Series.\n# TYPE ztsdb_series gauge\nztsdb_series{p="0"} 7\n',
    );
    expect(text).toContain(
      'ztsdb_x_seconds_bucket{le="0.1"} 0\nztsdb_x_seconds_bucket{le="1"} 1\n',
    );
    expect(text).toContain('ztsdb_x_seconds_count 1\n');
  });

  it('gives a family registered twice (a module loaded again) the first one', async () => {
    const r = new MetricsRegistry();
    r.counter('ztsdb_twice_total', 'Twice.').inc();
    r.counter('ztsdb_twice_total', 'Twice.').inc();
    expect(await r.render()).toContain('ztsdb_twice_total 2\n');
  });

  it('renders only the families of given prefixes', async () => {
    const r = new MetricsRegistry();
    r.counter('ztsdb_collector_ticks_total', 'Ticks.');
    r.counter('ztsdb_ingestor_batches_total', 'Batches.');
    const text = await r.renderOnly(['ztsdb_collector_']);
    expect(text).toContain('ztsdb_collector_ticks_total 0');
    expect(text).not.toContain('ztsdb_ingestor');
  });
});
