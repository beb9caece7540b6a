import * as fs from 'node:fs';
import * as path from 'node:path';
import { partitionOf, seriesId } from '@ztsdb/model';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { ColdReader } from '@ztsdb/tsdb';
import { freePort, getJson, stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';

/** Relative paths of the files under `dir` (recursively), sorted. */
function filesUnder(dir: string, rel = ''): string[] {
  const full = path.join(dir, rel);
  if (!fs.existsSync(full)) return [];
  const out: string[] = [];
  for (const d of fs.readdirSync(full, { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...filesUnder(dir, r));
    else out.push(r);
  }
  return out.sort();
}

/** Partitions of the deployment: the test picks a series that shares a partition with another. */
const PARTITIONS = 4;

const tierFiles = (dir: string, tier: string): string[] =>
  filesUnder(dir).filter((f) => f.startsWith(`${tier}/`) && f.endsWith(`.${tier}`));

/**
 * Ingestor, compactor and query service each on a data dir of its own, as on
 * three hosts: warm and cold files reach the query service only through the
 * object store `ztsdb_tiers`. Every sample is compared while the data is hot
 * and warm, hot and cold, and after the compactor's and the query service's
 * hosts are lost and fresh ones rebuild from the bus and the object store.
 */
describe('each service on its own data dir, tiers through the object store', () => {
  let server: NatsServer;
  let http: string;
  let base: Record<string, string>;
  const dirs = {
    ingestor: tempDir('ztsdb-sep-ingestor-'),
    compactor: tempDir('ztsdb-sep-compactor-'),
    query: tempDir('ztsdb-sep-query-'),
    compactor2: tempDir('ztsdb-sep-compactor2-'),
    query2: tempDir('ztsdb-sep-query2-'),
    input: tempDir('ztsdb-sep-input-'),
  };
  const now = Math.floor(Date.now() / 10_000) * 10_000;
  const N = 240;
  /** Series name → its points, 10 s apart over the last 40 minutes. */
  const dataset = new Map<string, Array<[number, number]>>();

  const procs: Record<string, ZtsdbProcess> = {};
  const start = (service: string, dir: string): ZtsdbProcess =>
    (procs[service] = ZtsdbProcess.start([service], { ...base, ZTSDB_DATA_DIR: dir }));
  const ready = (): Promise<unknown> =>
    waitFor(
      async () => (await getJson(`${http}/readyz`).catch(() => ({ status: 0 }))).status === 200,
      'the query service',
      60_000,
    );
  const importSeries = async (names: string[]): Promise<void> => {
    const lines = ['series,timestamp_ms,value'];
    for (const [k, name] of names.entries()) {
      const pts: Array<[number, number]> = [];
      for (let i = 0; i < N; i++) {
        const t = now - 2_400_000 + i * 10_000;
        const v = Math.round(Math.sin(i / 7 + k) * 1e6) / 1e3 + k * 0.125;
        pts.push([t, v]);
        lines.push(`${name},${t},${v}`);
      }
      dataset.set(name, pts);
    }
    const csv = path.join(dirs.input.path, `in-${dataset.size}.csv`);
    fs.writeFileSync(csv, lines.join('\n') + '\n');
    const imp = ZtsdbProcess.start(['import', csv], { ...base, ZTSDB_DATA_DIR: dirs.input.path });
    expect(await imp.exit(60_000)).toBe(0);
  };
  /** Every series answers exactly its points (waiting while ingest catches up). */
  const expectEverySample = async (what: string): Promise<void> => {
    if (process.env.TIERS_DEBUG)
      process.stderr.write(`stage ${what} ${new Date().toISOString()}\n`);
    for (const [name, pts] of dataset) {
      const url = `${http}/query?series=${name}&start=${now - 3_600_000}&end=${now + 60_000}`;
      const body = await waitFor(
        async () => {
          const r = await getJson(url);
          return r.body.points?.length === pts.length ? r.body : undefined;
        },
        `${what}: all ${pts.length} points of ${name}`,
        30_000,
      );
      expect(body.warnings).toBeUndefined();
      expect(body.points).toEqual(pts);
    }
  };

  beforeAll(async () => {
    server = await NatsServer.start();
    const port = await freePort();
    http = `http://127.0.0.1:${port}`;
    base = {
      NATS_URL: server.url,
      ZTSDB_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_PARTITIONS: String(PARTITIONS),
      ZTSDB_CHUNK_MAX_AGE: '30m',
      ZTSDB_COLD_AFTER: '6s',
      ZTSDB_COLD_WINDOW: '1h',
      ZTSDB_WARM_GRACE: '300ms',
      ZTSDB_COMPACT_INTERVAL: '200ms',
      ZTSDB_WARM_FLUSH: '100ms',
    };
    start('ingestor', dirs.ingestor.path);
    start('compactor', dirs.compactor.path);
    start('query', dirs.query.path);
    await ready();
  }, 90_000);

  afterAll(async () => {
    await stopAllZtsdb();
    await server?.stop();
    for (const d of Object.values(dirs)) d.remove();
  });

  it('serves every sample exactly from hot, warm and cold, and again after losing two hosts', async () => {
    await importSeries([
      'container.cpu.usage.aaaaaaaaaaaa',
      'container.memory.bytes.aaaaaaaaaaaa',
      'container.net.rx.bytes.bbbbbbbbbbbb',
    ]);
    // Each series' first 30 minutes are sealed at once (older than ZTSDB_CHUNK_MAX_AGE): hot and warm.
    await waitFor(() => tierFiles(dirs.compactor.path, 'warm').length > 0, 'warm files', 30_000);
    await expectEverySample('hot and warm');
    // The query service has no tier folders of its own: what it reads comes into its cache. Under
    // load the answer above may have come from the ingestor's sealed chunks still, before the
    // query service heard of the warm file; its prefetch fetches it then.
    expect(tierFiles(dirs.query.path, 'warm')).toEqual([]);
    await waitFor(
      () => filesUnder(dirs.query.path, 'cache').length > 0,
      'a warm file in the query service cache',
      30_000,
    );

    // After ZTSDB_COLD_AFTER the warm files are merged into cold ones and removed.
    await waitFor(
      () =>
        tierFiles(dirs.compactor.path, 'warm').length === 0 &&
        tierFiles(dirs.compactor.path, 'cold').length > 0,
      'warm files to turn cold',
      30_000,
    );
    await expectEverySample('hot and cold');
    expect(tierFiles(dirs.query.path, 'cold')).toEqual([]);
    expect(filesUnder(dirs.query.path, 'cache').some((f) => f.endsWith('.cold'))).toBe(true);

    // The compactor's and the query service's hosts are lost, data dirs and all.
    await procs.compactor!.stop('SIGKILL');
    await procs.query!.stop('SIGKILL');
    dirs.compactor.remove();
    dirs.query.remove();
    procs.compactor = start('compactor', dirs.compactor2.path);
    procs.query = start('query', dirs.query2.path);
    await ready();
    await expectEverySample('a fresh query service');
    expect(filesUnder(dirs.query2.path, 'cache').some((f) => f.endsWith('.cold'))).toBe(true);

    // A new series in the same cold windows: the fresh compactor merges its chunks with
    // cold files it never wrote, fetched from the object store into its own cache.
    const first = partitionOf(seriesId('container.cpu.usage.aaaaaaaaaaaa'), PARTITIONS);
    const sibling = ['c', 'd', 'e', 'f', '0', '1', '2', '3']
      .map((h) => `container.cpu.usage.${h.repeat(12)}`)
      .find((n) => partitionOf(seriesId(n), PARTITIONS) === first)!;
    await importSeries([sibling]);
    const merged = (): string[] =>
      tierFiles(dirs.compactor2.path, 'cold').filter((f) => f.startsWith(`cold/p${first}/`));
    await waitFor(
      () => tierFiles(dirs.compactor2.path, 'warm').length === 0 && merged().length > 0,
      'the fresh compactor to merge the new chunks into a cold file',
      30_000,
    );
    // Its cold file holds the older series too: read from the cold file it fetched.
    const r = ColdReader.open(path.join(dirs.compactor2.path, merged()[0]!));
    const old = r.read(seriesId('container.cpu.usage.aaaaaaaaaaaa'), -Infinity, Infinity, () => {
      throw new Error('damaged');
    });
    r.close();
    expect(old?.timestamps.length).toBeGreaterThan(0);
    await expectEverySample('after a merge by the fresh compactor');
  }, 240_000);
});
