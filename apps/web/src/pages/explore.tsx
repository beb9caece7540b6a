import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, instant, matrixOf, range, type MatrixSeries, type QueryData } from '../api';
import { Chart } from '../components/chart';
import { PromQLEditor } from '../components/promql-editor';
import { RangePicker } from '../components/range-picker';
import { alignMatrix } from '../components/series-data';
import { si, seriesLabel } from '../format';
import { setSearch, type Location } from '../router';
import { resolveRange, type TimeRange } from '../time-range';

interface Result {
  data: QueryData;
  warnings: string[];
  range?: TimeRange;
  ms: number;
}

function samplesOf(d: QueryData): number {
  if (d.resultType === 'matrix') return d.result.reduce((n, s) => n + s.values.length, 0);
  if (d.resultType === 'vector') return d.result.length;
  return 1;
}

function ResultTable({ data }: { data: QueryData }) {
  if (data.resultType === 'scalar' || data.resultType === 'string')
    return (
      <table class="grid result-table" data-testid="result-table">
        <tbody>
          <tr>
            <td>{data.resultType}</td>
            <td class="num">{data.result[1]}</td>
          </tr>
        </tbody>
      </table>
    );
  const rows =
    data.resultType === 'vector'
      ? data.result.map((s) => ({ name: seriesLabel(s.metric), value: s.value[1] }))
      : (data.result as MatrixSeries[]).map((s) => ({
          name: seriesLabel(s.metric),
          value: s.values.map(([t, v]) => `${v} @${t}`).join('\n'),
        }));
  if (rows.length === 0) return <p class="muted">Empty result.</p>;
  return (
    <table class="grid result-table" data-testid="result-table" data-rows={rows.length}>
      <thead>
        <tr>
          <th>Series</th>
          <th class="num">Value</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            <td class="mono">{r.name}</td>
            <td class="num mono">{r.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A PromQL editor with a graph and a table view; the query, the view and the range live in the
 * URL, so a view can be shared by its address.
 */
export function ExplorePage({ loc }: { loc: Location }) {
  const q = loc.search.get('q') ?? '';
  const tab = loc.search.get('tab') === 'table' ? 'table' : 'graph';
  // The text being edited; the editor shows `q` again only when the URL changes it.
  const draft = useRef(q);
  const [result, setResult] = useState<Result>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);
  const [runs, setRuns] = useState(0);
  const rangeKey = `${loc.search.get('range')}|${loc.search.get('from')}|${loc.search.get('to')}`;

  useEffect(() => void (draft.current = q), [q]);

  useEffect(() => {
    if (!q.trim()) {
      setResult(undefined);
      setError(undefined);
      return;
    }
    const ac = new AbortController();
    const t0 = performance.now();
    setLoading(true);
    const r = resolveRange(loc.search);
    const job =
      tab === 'graph'
        ? range(q, r.startSec, r.endSec, r.stepSec, ac.signal).then((a) => ({ ...a, range: r }))
        : instant(q, loc.search.has('to') ? r.endSec : undefined, ac.signal);
    job.then(
      (a) => {
        setResult({ ...a, ms: performance.now() - t0 });
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (ac.signal.aborted) return;
        setResult(undefined);
        setError(e instanceof ApiError ? e.message : String(e));
        setLoading(false);
      },
    );
    return () => ac.abort();
  }, [q, tab, rangeKey, runs]);

  const chart = useMemo(() => {
    if (!result?.range) return undefined;
    const series = matrixOf(result.data);
    const { startSec, endSec, stepSec } = result.range;
    return {
      data: alignMatrix(series, startSec, endSec, stepSec),
      names: series.map((s) => seriesLabel(s.metric)),
    };
  }, [result]);

  const run = (text: string) => {
    if (text === q) setRuns((n) => n + 1);
    else setSearch({ q: text });
  };

  return (
    <section class="page explore">
      <div class="toolbar">
        <h1>Explore</h1>
      </div>
      <div class="query-row">
        <PromQLEditor value={q} onChange={(t) => (draft.current = t)} onRun={run} />
        <button class="primary" onClick={() => run(draft.current)} data-testid="run-query">
          Run
        </button>
      </div>
      {error && (
        <div class="error" role="alert" data-testid="query-error">
          {error}
        </div>
      )}
      {result?.warnings.map((w) => (
        <div class="warning">{w}</div>
      ))}
      <div class="tabs">
        <button
          class={tab === 'graph' ? 'active' : undefined}
          onClick={() => setSearch({ tab: undefined })}
        >
          Graph
        </button>
        <button
          class={tab === 'table' ? 'active' : undefined}
          onClick={() => setSearch({ tab: 'table' })}
        >
          Table
        </button>
        {tab === 'graph' && (
          <RangePicker
            search={loc.search}
            range={resolveRange(loc.search)}
            onChange={(p) => setSearch({ range: p.range, from: p.from, to: p.to })}
          />
        )}
        <span class="muted stats" data-testid="query-stats">
          {loading
            ? 'running…'
            : result
              ? `${result.data.resultType === 'matrix' || result.data.resultType === 'vector' ? result.data.result.length : 1} series, ${samplesOf(result.data)} samples, ${Math.round(result.ms)} ms`
              : ''}
        </span>
      </div>
      {result && tab === 'graph' && chart && (
        <div class="card">
          {chart.names.length === 0 ? (
            <p class="muted">Empty result.</p>
          ) : (
            <Chart
              data={chart.data}
              names={chart.names}
              format={si}
              height={360}
              testId="explore-chart"
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
      )}
      {result && tab === 'table' && <ResultTable data={result.data} />}
    </section>
  );
}
