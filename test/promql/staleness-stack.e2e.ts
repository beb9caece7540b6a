/**
 * Gone containers stop showing at once, through a real stack: `ztsdb all` (collector with the
 * cgroupfs source over a private cgroup sub-tree, ingestor, compactor, query; from dist/, so
 * `npm run build` first) on a harness nats-server. When a container's cgroup is removed the
 * collector writes Prometheus's staleness marker for each of its series; an instant query right
 * after no longer returns them, although their last samples are well inside the 5 m lookback,
 * and a range query over the earlier window still has them. The legacy `/query` leaves the
 * marker out instead of printing NaN. Needs root (cgroups).
 */
import { CgroupSandbox, type SandboxContainer } from '@ztsdb/ebpf-source';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { freePort, getJson, ZtsdbProcess } from '../support/ztsdb-process';

type Json = ReturnType<typeof JSON.parse>;

let server: NatsServer;
let ztsdb: ZtsdbProcess | undefined;
let sandbox: CgroupSandbox;
let http: string;
const data = tempDir('ztsdb-staleness-e2e-');

jest.setTimeout(90_000);

beforeAll(async () => {
  expect(process.getuid?.()).toBe(0);
  sandbox = new CgroupSandbox(`ztsdb-staleness-e2e-${process.pid}`);
  server = await NatsServer.start();
  const port = await freePort();
  http = `http://127.0.0.1:${port}`;
  ztsdb = ZtsdbProcess.start(['all'], {
    NATS_URL: server.url,
    ZTSDB_DATA_DIR: data.path,
    ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
    ZTSDB_SOURCE: 'cgroupfs',
    ZTSDB_CGROUP_ROOT: sandbox.root,
    ZTSDB_COLLECT_INTERVAL_MS: '250',
    ZTSDB_DISCOVERY_INTERVAL_MS: '500',
  });
  await waitFor(
    async () => {
      if (ztsdb!.exited) throw new Error(`ztsdb all exited:\n${ztsdb!.output}`);
      return (await getJson(`${http}/readyz`).catch(() => ({ status: 0 }))).status === 200;
    },
    'the query service to be ready',
    30_000,
  );
});

afterAll(async () => {
  await ztsdb?.stop();
  sandbox?.removeAll();
  await server?.stop();
  data.remove();
});

const api = async (path: string, params: Record<string, string>): Promise<Json> => {
  const r = await getJson(`${http}/api/v1/${path}?${new URLSearchParams(params)}`);
  if (r.body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(r.body)}`);
  return r.body.data;
};
const sel = (c: SandboxContainer): string => `{container_id="${c.shortId}"}`;
/** Metric names an instant query at `time` (Unix seconds) returns for the container. */
const names = async (query: string, time: number): Promise<string[]> =>
  ((await api('query', { query, time: String(time) })).result as Json[])
    .map((s) => s.metric.__name__ as string)
    .sort();

it('an instant query stops returning a removed container at once; a range query still has it', async () => {
  const gone = sandbox.addContainer();
  const stays = sandbox.addContainer();
  // Every metric of both, as instant queries see them now.
  const metrics = await waitFor(
    async () => {
      const now = Date.now() / 1000;
      const [a, b] = await Promise.all([names(sel(gone), now), names(sel(stays), now)]);
      return a.length > 0 && a.join() === b.join() ? a : undefined;
    },
    'both containers in instant queries',
    30_000,
  );
  const seenAt = Date.now() / 1000;
  sandbox.removeContainer(gone);
  const removedAt = Date.now() / 1000;

  // The collector notices at its next discovery and writes the markers: the series go.
  const hiddenAt = await waitFor(
    async () => {
      const t = Date.now() / 1000;
      return (await names(sel(gone), t)).length === 0 ? t : undefined;
    },
    'the removed container to leave instant queries',
    30_000,
  );
  // Not because their samples left the 5 m lookback: the samples are still there …
  expect(await names(`last_over_time(${sel(gone)}[5m])`, hiddenAt)).toEqual(metrics);
  // … but the staleness marker ends each series, and the other container still shows.
  expect(await names(sel(stays), hiddenAt)).toEqual(metrics);

  // A range query over the window before the removal still has every series, with numbers.
  const range = await api('query_range', {
    query: sel(gone),
    start: seenAt.toFixed(3),
    end: removedAt.toFixed(3),
    step: '0.1',
  });
  expect((range.result as Json[]).map((s) => s.metric.__name__).sort()).toEqual(metrics);
  for (const s of range.result as Json[])
    for (const [, v] of s.values as Array<[number, string]>)
      expect(Number.isNaN(Number(v))).toBe(false);

  // The legacy API over the whole life of the container: its points, no marker shown as NaN.
  const name = `container.cpu.usage.${gone.shortId}`;
  const legacy = await getJson(
    `${http}/query?series=${name}&start=${Math.floor(seenAt - 60) * 1000}&end=${Math.ceil(hiddenAt + 1) * 1000}`,
  );
  expect(legacy.status).toBe(200);
  expect(legacy.body.points.length).toBeGreaterThan(0);
  for (const [, v] of legacy.body.points as Array<[number, unknown]>)
    expect(typeof v).toBe('number');
});
