import { spawnSync } from 'node:child_process';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, getJson, ZtsdbProcess } from '../support/ztsdb-process';

/** Families every service shows: process and Node runtime (event-loop lag, GC, heap). */
const RUNTIME = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_open_fds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_gc_duration_seconds',
  'nodejs_heap_size_used_bytes',
];

/** Each service's own families, with the type they must have; counters listed here are shown at 0 before any event. */
const OWN: Record<string, Record<string, string>> = {
  collector: {
    ztsdb_collector_ticks_total: 'counter',
    ztsdb_collector_dropped_batches_total: 'counter',
    ztsdb_collector_tick_seconds: 'histogram',
    ztsdb_collector_publish_seconds: 'histogram',
  },
  ingestor: {
    ztsdb_ingestor_apply_seconds: 'histogram',
    ztsdb_ingestor_snapshot_hold_seconds: 'histogram',
    ztsdb_ingestor_owned_partitions: 'gauge',
    ztsdb_ingestor_batches_total: 'counter',
  },
  compactor: {
    ztsdb_compactor_warm_write_seconds: 'histogram',
    ztsdb_compactor_merge_seconds: 'histogram',
    ztsdb_compactor_cold_files_total: 'counter',
    ztsdb_manifest_events_refused_total: 'counter',
  },
  query: {
    ztsdb_query_duration_seconds: 'histogram',
    ztsdb_query_requests_total: 'counter',
    ztsdb_promql_duration_seconds: 'histogram',
  },
};

function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/** promtool's parser and linter over the page: exit 0 and nothing said, or the test fails with what it said. */
function promtoolCheck(text: string): { status: number | null; said: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error)
    throw new Error(`promtool is needed (Debian package prometheus): ${r.error.message}`);
  return { status: r.status, said: `${r.stdout}${r.stderr}`.trim() };
}

describe('every service serves /metrics, /healthz and /readyz on its own address', () => {
  let server: NatsServer;
  const procs: ZtsdbProcess[] = [];
  const addr: Record<string, string> = {};
  const data = tempDir('ztsdb-endpoints-');

  beforeAll(async () => {
    server = await NatsServer.start();
    for (const s of ['collector', 'ingestor', 'compactor', 'query'])
      addr[s] = `127.0.0.1:${await freePort()}`;
    const env = {
      NATS_URL: server.url,
      ZTSDB_DATA_DIR: data.path,
      ZTSDB_SOURCE: 'synthetic',
      ZTSDB_SYNTHETIC_CONTAINERS: '3',
      ZTSDB_COLLECT_INTERVAL_MS: '200',
      ZTSDB_HTTP_ADDR: addr.query!,
      ZTSDB_COLLECTOR_HTTP_ADDR: addr.collector!,
      ZTSDB_INGESTOR_HTTP_ADDR: addr.ingestor!,
      ZTSDB_COMPACTOR_HTTP_ADDR: addr.compactor!,
      // Snapshots within the test, so that their hold is timed.
      ZTSDB_INGESTOR_SNAPSHOT_INTERVAL: '500ms',
    };
    // One process per service, as docker-compose runs them.
    const services = ['ingestor', 'compactor', 'query', 'collector'];
    for (const s of services) procs.push(ZtsdbProcess.start([s], env));
    await Promise.all(
      services.map((s) =>
        waitFor(
          async () =>
            (await getJson(`http://${addr[s]}/readyz`).catch(() => undefined))?.status === 200,
          `${s} ready on ${addr[s]}`,
          30_000,
        ),
      ),
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${procs.map((p) => p.output).join('\n')}`);
    });
    // Work for the histograms: ticks and publishes, applied batches, a query.
    await waitFor(
      async () => {
        const t = await fetch(`http://${addr.ingestor}/metrics`).then((r) => r.text());
        return (
          /^ztsdb_ingestor_apply_seconds_count [1-9]/m.test(t) &&
          /^ztsdb_ingestor_snapshot_hold_seconds_count [1-9]/m.test(t)
        );
      },
      'the ingestor to apply a batch and take a snapshot',
      20_000,
    );
    await getJson(`http://${addr.query}/series?match=*`);
  });

  afterAll(async () => {
    // NATS is gone by now (the last test): no drain to wait for.
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await server?.stop();
    data.remove();
  });

  it.each(['collector', 'ingestor', 'compactor', 'query'])(
    '%s: its families and the runtime ones, valid for promtool',
    async (service) => {
      const res = await fetch(`http://${addr[service]}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(promtoolCheck(text)).toEqual({ status: 0, said: '' });
      const fams = families(text);
      for (const f of RUNTIME) expect([f, fams.has(f)]).toEqual([f, true]);
      expect(fams.get('nodejs_gc_duration_seconds')).toBe('histogram');
      for (const [f, type] of Object.entries(OWN[service]!))
        expect([f, fams.get(f)]).toEqual([f, type]);
      // The latency histogram of the work this service did has observations (the compactor wrote no file yet).
      const worked: Record<string, string> = {
        collector: 'ztsdb_collector_publish_seconds',
        ingestor: 'ztsdb_ingestor_apply_seconds',
        query: 'ztsdb_query_duration_seconds',
      };
      const hist = worked[service];
      if (hist) {
        expect(text).toMatch(new RegExp(`^${hist}_count(\\{[^}]*\\})? [1-9]`, 'm'));
        expect(text).toMatch(new RegExp(`^${hist}_bucket\\{.*le="\\+Inf".*\\} [1-9]`, 'm'));
      }
      // Counters of an owned partition show 0 before anything happened to them.
      if (service === 'ingestor')
        expect(text).toMatch(/^ztsdb_ingestor_duplicate_batches_total\{partition="0"\} 0$/m);
      // Scoped: another service's families are not on a collector, ingestor or compactor page.
      if (service !== 'query')
        for (const other of ['collector', 'ingestor', 'compactor'].filter((s) => s !== service))
          expect([...fams.keys()].filter((f) => f.startsWith(`ztsdb_${other}_`))).toEqual([]);
    },
  );

  it('shows counters that never counted as 0', async () => {
    const text = await fetch(`http://${addr.collector}/metrics`).then((r) => r.text());
    expect(text).toMatch(/^ztsdb_collector_dropped_batches_total 0$/m);
    expect(text).toMatch(/^ztsdb_collector_tick_errors_total 0$/m);
    const compactor = await fetch(`http://${addr.compactor}/metrics`).then((r) => r.text());
    expect(compactor).toMatch(/^ztsdb_compactor_expired_files_total 0$/m);
  });

  it('answers /healthz and /readyz with the reasons, and 404 elsewhere', async () => {
    for (const s of ['collector', 'ingestor', 'compactor']) {
      expect(await getJson(`http://${addr[s]}/healthz`)).toEqual({
        status: 200,
        body: { status: 'ok', problems: [] },
      });
      expect((await getJson(`http://${addr[s]}/readyz`)).body.status).toBe('ready');
      expect((await getJson(`http://${addr[s]}/nope`)).status).toBe(404);
    }
  });

  it('says not ready, with why, when NATS goes away', async () => {
    await server.stop();
    for (const s of ['collector', 'compactor']) {
      const r = await waitFor(
        async () => {
          const x = await getJson(`http://${addr[s]}/readyz`);
          return x.status === 503 ? x : undefined;
        },
        `${s} not ready without NATS`,
        15_000,
      );
      expect(r.body.problems.join('\n')).toMatch(/nats: disconnected/);
    }
  });
});
