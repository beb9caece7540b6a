import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, getJson, matrixOf, range, type Labels, type MatrixSeries } from '../api';
import { Chart } from '../components/chart';
import { RangePicker } from '../components/range-picker';
import { alignMatrix } from '../components/series-data';
import { bytes, percent, rate, si } from '../format';
import { onLinkClick, setSearch, type Location } from '../router';
import { resolveRange, type TimeRange } from '../time-range';

interface Panel {
  title: string;
  /** PromQL with `$id` for the container's id label matcher. */
  query: string;
  format: (v: number) => string;
  /** Legend name of a series. */
  name: (m: Labels) => string;
}

const after = (prefix: string) => (m: Labels) => (m.__name__ ?? '').replace(prefix, '');

const PANELS: Panel[] = [
  {
    title: 'CPU (% of one core)',
    query: 'container_cpu_usage{$id}',
    format: percent,
    name: () => 'cpu',
  },
  {
    // Usage includes the page cache; sources that cannot tell it apart give the working set only.
    title: 'Memory',
    query: '{__name__=~"container_memory_(bytes|total_bytes)",$id}',
    format: bytes,
    name: (m) => (m.__name__ === 'container_memory_total_bytes' ? 'usage' : 'working set'),
  },
  {
    title: 'Network bytes',
    query: '{__name__=~"container_net_(rx|tx)_bytes",$id}',
    format: rate,
    name: after('container_net_'),
  },
  {
    title: 'Network packets',
    query: '{__name__=~"container_net_(rx|tx)_packets",$id}',
    format: (v) => `${si(v)}/s`,
    name: after('container_net_'),
  },
  {
    title: 'Block I/O bytes',
    query: '{__name__=~"container_block_(read|write)_bytes",$id}',
    format: rate,
    name: after('container_block_'),
  },
  {
    title: 'Block I/O operations',
    query: '{__name__=~"container_block_(read|write)_ops",$id}',
    format: (v) => `${si(v)}/s`,
    name: after('container_block_'),
  },
];

const REFRESH_MS = 10_000;

/** One container: its labels and charts of every metric over a chosen range, zoomable by dragging. */
export function ContainerDetailPage({ loc, id }: { loc: Location; id: string }) {
  const matcher = `container_id=${JSON.stringify(id)}`;
  const [labels, setLabels] = useState<Labels>();
  const [series, setSeries] = useState<Array<MatrixSeries[] | undefined>>([]);
  const [shown, setShown] = useState<TimeRange>();
  const [error, setError] = useState<string>();
  const custom = loc.search.has('from');
  const rangeKey = `${loc.search.get('range')}|${loc.search.get('from')}|${loc.search.get('to')}`;

  useEffect(() => {
    const ac = new AbortController();
    getJson<{ data: Labels[] }>('/api/v1/series', { 'match[]': `{${matcher}}` }, ac.signal).then(
      (a) => {
        const first = a.data[0];
        if (!first) return setError(`no series with ${matcher}`);
        const { __name__: _n, ...rest } = first;
        setLabels(rest);
      },
      (e: unknown) => !ac.signal.aborted && setError(e instanceof ApiError ? e.message : String(e)),
    );
    return () => ac.abort();
  }, [matcher]);

  useEffect(() => {
    const ac = new AbortController();
    let timer: number | undefined;
    const load = async () => {
      const r = resolveRange(new URLSearchParams(location.search));
      try {
        const answers = await Promise.all(
          PANELS.map((p) =>
            range(p.query.replace('$id', matcher), r.startSec, r.endSec, r.stepSec, ac.signal),
          ),
        );
        setSeries(answers.map((a) => matrixOf(a.data)));
        setShown(r);
        setError(undefined);
      } catch (e) {
        if (ac.signal.aborted) return;
        setError(e instanceof ApiError ? e.message : String(e));
      }
      if (!custom && !ac.signal.aborted) timer = window.setTimeout(load, REFRESH_MS);
    };
    void load();
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, [matcher, rangeKey]);

  const charts = useMemo(
    () =>
      shown
        ? PANELS.map((p, i) => {
            const s = series[i] ?? [];
            return {
              panel: p,
              names: s.map((x) => p.name(x.metric)),
              data: alignMatrix(s, shown.startSec, shown.endSec, shown.stepSec),
            };
          })
        : [],
    [series, shown],
  );

  const title = labels?.container_name ?? id;
  return (
    <section class="page detail">
      <div class="toolbar">
        <a href="/" onClick={onLinkClick}>
          ← Containers
        </a>
        <h1 data-testid="container-title">{title}</h1>
        <RangePicker
          search={loc.search}
          range={shown ?? resolveRange(loc.search)}
          onChange={(p) => setSearch({ range: p.range, from: p.from, to: p.to })}
        />
      </div>
      {labels && (
        <div class="labels" data-testid="container-labels">
          {Object.entries(labels)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, v]) => (
              <span>
                {k}="{v}"
              </span>
            ))}
        </div>
      )}
      {error && (
        <div class="error" role="alert">
          {error}
        </div>
      )}
      <div class="cards">
        {charts.map((c) => (
          <div class="card">
            <h2>{c.panel.title}</h2>
            {c.names.length === 0 ? (
              <p class="muted">No data in this range.</p>
            ) : (
              <Chart
                data={c.data}
                names={c.names}
                format={c.panel.format}
                testId="detail-chart"
                onZoom={(a, b) =>
                  setSearch({
                    range: undefined,
                    from: String(Math.floor(a)),
                    to: String(Math.ceil(b)),
                  })
                }
              />
            )}
          </div>
        ))}
      </div>
    </section>
  );
}
