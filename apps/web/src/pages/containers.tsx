import { Component } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { Sparkline } from '../components/sparkline';
import {
  ContainersModel,
  DROP_AFTER_MS,
  GONE_AFTER_MS,
  type ContainerRow,
  type MetricKey,
} from '../containers-model';
import { bytes, percent, rate } from '../format';
import { refreshChoices, refreshSeconds } from '../refresh-interval';
import { navigate, onLinkClick, type Location } from '../router';

type SortKey = 'name' | 'image' | 'runtime' | 'host' | MetricKey;
const ROW_HEIGHT = 30;
const OVERSCAN = 10;
// Fixed column widths (table-layout: fixed): a refresh that changes the numbers then costs no
// table-wide layout pass. Name, image, runtime, host, CPU, its sparkline, memory, its
// sparkline, net rx, net tx, block read, block write.
const COL_WIDTHS = [180, 140, 90, 110, 80, 112, 90, 112, 100, 100, 100, 100];

const COLUMNS: Array<{ key: SortKey; title: string; num?: boolean }> = [
  { key: 'name', title: 'Name' },
  { key: 'image', title: 'Image' },
  { key: 'runtime', title: 'Runtime' },
  { key: 'host', title: 'Host' },
  { key: 'cpu', title: 'CPU', num: true },
  { key: 'mem', title: 'Memory', num: true },
  { key: 'rx', title: 'Net rx', num: true },
  { key: 'tx', title: 'Net tx', num: true },
  { key: 'rd', title: 'Block read', num: true },
  { key: 'wr', title: 'Block write', num: true },
];

function sortValue(r: ContainerRow, k: SortKey): string | number {
  if (k === 'name' || k === 'image' || k === 'runtime' || k === 'host') return r[k];
  return r.values[k] ?? -1;
}

function matches(r: ContainerRow, words: string[]): boolean {
  if (words.length === 0) return true;
  const hay = `${r.name} ${r.id} ${r.image} ${r.runtime} ${r.host}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

interface RowProps {
  row: ContainerRow;
  /** The row's stamp when rendered (the row itself is updated in place). */
  stamp: number;
  cpuMax: number;
  /** Changes when the sparklines were extended (in place). */
  sparkVersion: number;
}

/** One container's row; rendered again only when it shows another container or its data changed. */
class RowView extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    const p = this.props;
    return (
      next.row !== p.row ||
      next.stamp !== p.stamp ||
      next.cpuMax !== p.cpuMax ||
      next.sparkVersion !== p.sparkVersion
    );
  }

  override render({ row: r, cpuMax, sparkVersion }: RowProps) {
    return (
      <tr class={r.gone ? 'gone' : undefined} data-id={r.id}>
        <td>
          <a href={`/containers/${encodeURIComponent(r.id)}`} onClick={onLinkClick}>
            {r.name}
          </a>
        </td>
        <td>{r.image}</td>
        <td>{r.runtime}</td>
        <td>{r.host}</td>
        <td class="num" data-col="cpu">
          {percent(r.values.cpu)}
        </td>
        <td>
          <Sparkline
            values={r.cpuSpark}
            max={cpuMax}
            version={sparkVersion}
            label={`CPU of ${r.name}, last 15 minutes`}
          />
        </td>
        <td class="num" data-col="mem">
          {bytes(r.values.mem)}
        </td>
        <td>
          <Sparkline
            values={r.memSpark}
            version={sparkVersion}
            color="#10b981"
            label={`memory of ${r.name}, last 15 minutes`}
          />
        </td>
        <td class="num">{rate(r.values.rx)}</td>
        <td class="num">{rate(r.values.tx)}</td>
        <td class="num">{rate(r.values.rd)}</td>
        <td class="num">{rate(r.values.wr)}</td>
      </tr>
    );
  }
}

/** Every container of every host, like `docker stats`, refreshed live; the home page. */
export function ContainersPage({ loc }: { loc: Location }) {
  const model = useRef(new ContainersModel()).current;
  const [version, setVersion] = useState(0);
  const [sparkVersion, setSparkVersion] = useState(0);
  const [error, setError] = useState<string>();
  const sort = (loc.search.get('sort') ?? 'cpu') as SortKey;
  const desc = loc.search.get('dir') !== 'asc';
  const filter = loc.search.get('filter') ?? '';
  const refreshSec = refreshSeconds(loc.search.get('refresh'));
  // How long without samples before a container is greyed out, then dropped (seconds).
  const goneSec = Number(loc.search.get('gone'));
  const dropSec = Number(loc.search.get('drop'));
  model.goneAfterMs = goneSec > 0 ? goneSec * 1000 : GONE_AFTER_MS;
  model.dropAfterMs = dropSec > 0 ? dropSec * 1000 : DROP_AFTER_MS;

  const setParam = (k: string, v: string | undefined) => {
    const p = new URLSearchParams(location.search);
    if (v === undefined || v === '') p.delete(k);
    else p.set(k, v);
    const q = p.toString();
    navigate(q ? `/?${q}` : '/', true);
  };

  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    let firstTick = true;
    const ac = new AbortController();
    const tick = async () => {
      try {
        await model.refresh(ac.signal);
        if (stopped) return;
        // Later refreshes extend the sparklines (every third one) before anything is drawn,
        // so that a refresh renders the table once, not once for the values and again for
        // the lines. The first shows the values at once: its full 15-minute query is slow.
        if (firstTick) setVersion((v) => v + 1);
        let sparkError: unknown;
        const sparked = await model.refreshSparks(ac.signal).catch((e: unknown) => {
          // A failed extension does not hold back the values (it is shown, and tried again).
          if (ac.signal.aborted) throw e;
          sparkError = e;
          return false;
        });
        if (stopped) return;
        if (!firstTick) setVersion((v) => v + 1);
        if (sparked) setSparkVersion((v) => v + 1);
        firstTick = false;
        if (sparkError !== undefined) throw sparkError;
        setError(undefined);
      } catch (e) {
        if (!stopped) setError(e instanceof ApiError ? e.message : String(e));
      }
      if (!stopped && refreshSec > 0) timer = window.setTimeout(tick, refreshSec * 1000);
    };
    void tick();
    return () => {
      stopped = true;
      ac.abort();
      clearTimeout(timer);
    };
  }, [model, refreshSec]);

  const rows = useMemo(() => {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    const list = [...model.rows.values()].filter((r) => matches(r, words));
    const dir = desc ? -1 : 1;
    list.sort((a, b) => {
      const x = sortValue(a, sort);
      const y = sortValue(b, sort);
      return (x < y ? -1 : x > y ? 1 : a.key < b.key ? -1 : 1) * dir;
    });
    return list;
  }, [model, version, sort, desc, filter]);

  const cpuMax = useMemo(() => {
    let m = 0;
    for (const r of model.rows.values()) for (const v of r.cpuSpark) if (v > m) m = v;
    return m;
  }, [model, sparkVersion]);

  // Only the rows in view (plus a margin) are in the DOM: a thousand rows with two canvases
  // each would make every refresh slow.
  const scroller = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 800 });
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const update = () => setScroll({ top: el.scrollTop, height: el.clientHeight });
    update();
    el.addEventListener('scroll', update, { passive: true });
    window.addEventListener('resize', update);
    return () => {
      el.removeEventListener('scroll', update);
      window.removeEventListener('resize', update);
    };
  }, []);
  const first = Math.max(0, Math.floor(scroll.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(
    rows.length,
    Math.ceil((scroll.top + scroll.height) / ROW_HEIGHT) + OVERSCAN,
  );

  useEffect(() => {
    if (version === 1) performance.mark('ztsdb:containers-first-render');
  }, [version]);

  const head = (c: (typeof COLUMNS)[number]) => (
    <th
      key={c.key}
      class={c.num ? 'num sortable' : 'sortable'}
      aria-sort={sort === c.key ? (desc ? 'descending' : 'ascending') : undefined}
      onClick={() => {
        if (sort === c.key) setParam('dir', desc ? 'asc' : undefined);
        else {
          const p = new URLSearchParams(location.search);
          p.set('sort', c.key);
          p.delete('dir');
          if (!c.num) p.set('dir', 'asc');
          navigate(`/?${p.toString()}`, true);
        }
      }}
    >
      {c.title}
      {sort === c.key ? (desc ? ' ▾' : ' ▴') : ''}
    </th>
  );

  const gone = rows.filter((r) => r.gone).length;
  return (
    <section class="page containers">
      <div class="toolbar">
        <h1>Containers</h1>
        <input
          type="search"
          placeholder="Filter: name, image, host, runtime, id"
          value={filter}
          onInput={(e) => setParam('filter', (e.target as HTMLInputElement).value)}
          aria-label="filter containers"
        />
        <label>
          Refresh{' '}
          <select
            value={String(refreshSec)}
            onChange={(e) => setParam('refresh', (e.target as HTMLSelectElement).value)}
          >
            {refreshChoices(refreshSec).map((s) => (
              <option value={String(s)}>{s ? `${s} s` : 'off'}</option>
            ))}
          </select>
        </label>
        <span class="muted" data-testid="container-count">
          {rows.length} of {model.rows.size} containers{gone ? `, ${gone} gone` : ''}
        </span>
      </div>
      {error && (
        <div class="error" role="alert">
          {error}
        </div>
      )}
      <div class="table-scroll" ref={scroller}>
        <table
          class="grid fixed"
          data-testid="containers-table"
          data-version={version}
          data-rows={rows.length}
        >
          <colgroup>
            {COL_WIDTHS.map((w) => (
              <col style={{ width: `${w}px` }} />
            ))}
          </colgroup>
          <thead>
            <tr>
              {COLUMNS.slice(0, 5).map(head)}
              <th>CPU 15 min</th>
              {head(COLUMNS[5]!)}
              <th>Mem 15 min</th>
              {COLUMNS.slice(6).map(head)}
            </tr>
          </thead>
          <tbody>
            {first > 0 && <tr style={{ height: `${first * ROW_HEIGHT}px` }} aria-hidden="true" />}
            {rows.slice(first, last).map((r, i) => (
              // Keyed by place, not by container: when a refresh re-sorts the rows, each place
              // keeps its elements and only the contents of the changed ones are updated, instead
              // of rows being moved, removed and created.
              <RowView
                key={first + i}
                row={r}
                stamp={r.stamp}
                cpuMax={cpuMax}
                sparkVersion={sparkVersion}
              />
            ))}
            {last < rows.length && (
              <tr style={{ height: `${(rows.length - last) * ROW_HEIGHT}px` }} aria-hidden="true" />
            )}
          </tbody>
        </table>
        {version > 0 && rows.length === 0 && (
          <p class="muted empty">
            {filter ? 'No container matches the filter.' : 'No containers reported yet.'}
          </p>
        )}
      </div>
    </section>
  );
}
