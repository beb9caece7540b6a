import { waitFor } from '@ztsdb/testing';
import { ZtsdbProcess } from '../support/ztsdb-process';
import {
  expectExactlyAcked,
  ingestorEnv,
  leaseOwners,
  ingestTestBed,
  makeSeries,
  TestPublisher,
} from './ingest-fixture';

describe('ingestor killed with SIGKILL during steady ingest', () => {
  const bed = ingestTestBed('ztsdb-ingest-kill-');

  it('loses and duplicates nothing acknowledged over five kills and restarts', async () => {
    const { server, nc } = bed;
    const series = makeSeries(64);
    const env = ingestorEnv(server.url, bed.dataDir, {
      ZTSDB_INGESTOR_ID: 'same-host',
      ZTSDB_INGESTOR_SNAPSHOT_INTERVAL: '700',
    });
    let ingestor = ZtsdbProcess.start(['ingestor'], env);
    const pub = new TestPublisher(nc, series, 10);
    pub.start();
    const logs: string[] = [];
    // Each kill comes at a random moment once the ingestor serves its partitions and ingest has
    // moved on, so a loaded machine stretches the test instead of thinning it out.
    const serving = (p: ZtsdbProcess) =>
      (p.output.match(/partition \d+: serving/g) ?? []).length >= 4;
    for (let kill = 0; kill < 5; kill++) {
      const current = ingestor;
      await waitFor(() => serving(current), 'the ingestor to serve its partitions', 30_000);
      const ackedBefore = pub.ackedBatches;
      await new Promise((r) => setTimeout(r, 400 + Math.random() * 1200));
      await waitFor(() => pub.ackedBatches >= ackedBefore + 20, 'ingest to go on', 30_000);
      await ingestor.stop('SIGKILL');
      logs.push(ingestor.output);
      ingestor = ZtsdbProcess.start(['ingestor'], env);
    }
    await new Promise((r) => setTimeout(r, 500));
    await pub.stop();
    expect(pub.ackedBatches).toBeGreaterThanOrEqual(100);
    await expectExactlyAcked(nc, pub, series, 20_000);
    const owners = await leaseOwners(nc);
    expect([...owners.values()]).toEqual(['same-host', 'same-host', 'same-host', 'same-host']);
    // The restarts rebuilt from the local WAL (same host, same data dir), not from the stream.
    expect(logs.join('\n') + ingestor.output).toMatch(/state from wal/);
  });
});
