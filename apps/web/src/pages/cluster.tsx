import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getJson } from '../api';
import { bytes, duration, rate, si } from '../format';

/** The answer of GET /status/cluster (apps/query/src/cluster-status/cluster-status.ts). */
interface Tier {
  files: number;
  bytes: number;
  points: number;
  minT: number | null;
  maxT: number | null;
}
interface Status {
  timeMs: number;
  partitions: Array<{
    partition: number;
    owner: string | null;
    ownerHost: string | null;
    leaseExpiresAt: number | null;
    lagBatches: number | null;
    ackPending: number | null;
    series: number;
    activeSeries: number;
    warm: Tier;
    cold: Tier;
  }>;
  services: Array<{ service: string; id: string; host: string; up: boolean; detail: string }>;
  streams: Array<{ stream: string; messages: number; bytes: number; lastMs: number | null }>;
  compactorBacklog: number | null;
  deadLetters: Record<string, number>;
  deadLettersSinceMs: number;
}

const REFRESH_MS = 2000;

function span(t: Tier): string {
  if (t.minT === null || t.maxT === null) return '–';
  const f = (ms: number) => new Date(ms).toLocaleString();
  return `${f(t.minT)} → ${f(t.maxT)}`;
}

function TierCells({ t }: { t: Tier }) {
  return (
    <>
      <td class="num">{t.files}</td>
      <td class="num">{bytes(t.bytes)}</td>
      <td class="muted">{span(t)}</td>
    </>
  );
}

/** Services, partitions and their owners, lag, tiers, dead letters and the ingest rate. */
export function ClusterPage() {
  const [status, setStatus] = useState<Status>();
  const [rates, setRates] = useState<{ batches: number; bytes: number }>();
  const [error, setError] = useState<string>();
  const prev = useRef<Status | undefined>(undefined);

  useEffect(() => {
    const ac = new AbortController();
    let timer: number | undefined;
    const load = async () => {
      try {
        const s = await getJson<Status>('/status/cluster', {}, ac.signal);
        const p = prev.current;
        if (p && s.timeMs > p.timeMs) {
          const dt = (s.timeMs - p.timeMs) / 1000;
          const a = s.streams[0]!;
          const b = p.streams[0]!;
          setRates({
            batches: Math.max(0, (a.messages - b.messages) / dt),
            bytes: Math.max(0, (a.bytes - b.bytes) / dt),
          });
        }
        prev.current = s;
        setStatus(s);
        setError(undefined);
      } catch (e) {
        if (ac.signal.aborted) return;
        setError(e instanceof ApiError ? e.message : String(e));
      }
      if (!ac.signal.aborted) timer = window.setTimeout(load, REFRESH_MS);
    };
    void load();
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, []);

  const lagging = status?.partitions.filter((p) => (p.lagBatches ?? 0) > 0 || !p.owner) ?? [];
  const dlq = Object.entries(status?.deadLetters ?? {});
  return (
    <section class="page cluster" data-testid="cluster" data-ready={status ? 'yes' : undefined}>
      <div class="toolbar">
        <h1>Cluster</h1>
        {status && (
          <span class={lagging.length ? 'bad' : 'ok'} data-testid="cluster-verdict">
            {lagging.length
              ? `${lagging.length} partition(s) behind or without owner`
              : 'ingest keeps up: every partition owned, no lag'}
          </span>
        )}
      </div>
      {error && (
        <div class="error" role="alert">
          {error}
        </div>
      )}
      {status && (
        <>
          <div class="cards">
            <div class="card">
              <h2>Services</h2>
              <table class="grid" data-testid="services">
                <thead>
                  <tr>
                    <th>Service</th>
                    <th>Id</th>
                    <th>Host</th>
                    <th>State</th>
                    <th>Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {status.services.map((s) => (
                    <tr>
                      <td>{s.service}</td>
                      <td class="mono">{s.id}</td>
                      <td>{s.host}</td>
                      <td class={s.up ? 'ok' : 'bad'}>{s.up ? 'up' : 'down'}</td>
                      <td class="muted">{s.detail}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div class="card">
              <h2>Ingest</h2>
              <div class="kv" data-testid="ingest">
                <span>Sample batches</span>
                <b>{rates ? `${si(rates.batches)}/s` : '…'}</b>
                <span>Sample bytes</span>
                <b>{rates ? rate(rates.bytes) : '…'}</b>
                {status.streams.map((s) => (
                  <>
                    <span class="mono">{s.stream}</span>
                    <span>
                      {si(s.messages)} messages, {bytes(s.bytes)}
                      {s.lastMs
                        ? `, last ${duration(Math.max(0, status.timeMs - s.lastMs))} ago`
                        : ''}
                    </span>
                  </>
                ))}
                <span>Compactor backlog</span>
                <span>
                  {status.compactorBacklog === null ? '–' : `${status.compactorBacklog} chunks`}
                </span>
                <span>Dead letters</span>
                <span data-testid="dead-letters">
                  {dlq.length ? dlq.map(([k, n]) => `${k}: ${n}`).join(', ') : 'none'}
                  <span class="muted">
                    {' '}
                    (since {new Date(status.deadLettersSinceMs).toLocaleTimeString()})
                  </span>
                </span>
              </div>
            </div>
          </div>
          <h2>Partitions</h2>
          <div class="card">
            <table class="grid" data-testid="partitions">
              <thead>
                <tr>
                  <th>Partition</th>
                  <th>Owner</th>
                  <th>Lease left</th>
                  <th class="num">Lag (batches)</th>
                  <th class="num">Unacked</th>
                  <th class="num">Series (active)</th>
                  <th class="num">Warm files</th>
                  <th class="num">Warm bytes</th>
                  <th>Warm range</th>
                  <th class="num">Cold files</th>
                  <th class="num">Cold bytes</th>
                  <th>Cold range</th>
                </tr>
              </thead>
              <tbody>
                {status.partitions.map((p) => (
                  <tr data-partition={p.partition}>
                    <td>p{p.partition}</td>
                    <td class={p.owner ? 'mono' : 'bad'}>
                      {p.owner ? `${p.owner} (${p.ownerHost})` : 'no owner'}
                    </td>
                    <td>{p.leaseExpiresAt ? duration(p.leaseExpiresAt - status.timeMs) : '–'}</td>
                    <td class={`num ${(p.lagBatches ?? 0) > 0 ? 'bad' : ''}`}>
                      {p.lagBatches ?? '–'}
                    </td>
                    <td class="num">{p.ackPending ?? '–'}</td>
                    <td class="num">
                      {p.series} ({p.activeSeries})
                    </td>
                    <TierCells t={p.warm} />
                    <TierCells t={p.cold} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
