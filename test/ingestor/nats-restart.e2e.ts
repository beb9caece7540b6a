import { waitFor } from '@ztsdb/testing';
import { ZtsdbProcess } from '../support/ztsdb-process';
import {
  expectExactlyAcked,
  ingestorEnv,
  ingestTestBed,
  makeSeries,
  TestPublisher,
} from './ingest-fixture';

describe('nats-server restarted during ingest', () => {
  const bed = ingestTestBed('ztsdb-ingest-restart-');

  it('publisher and ingestor reconnect; everything acknowledged is there exactly once', async () => {
    const { server, nc } = bed;
    const series = makeSeries(40);
    const ingestor = ZtsdbProcess.start(
      ['ingestor'],
      // A lease long enough to outlast the outage and the reconnection on a loaded machine: this
      // test is about reconnecting, and a lapsed lease would turn it into a takeover test.
      ingestorEnv(server.url, bed.dataDir, {
        ZTSDB_INGESTOR_ID: 'one',
        ZTSDB_LEASE_TTL_MS: '8000',
      }),
    );
    const pub = new TestPublisher(nc, series, 10);
    pub.start();
    await new Promise((r) => setTimeout(r, 1200));
    const before = pub.ackedBatches;
    await server.restart(300);
    await waitFor(
      () => pub.ackedBatches > before + 40,
      'the publisher to get acknowledgements again',
      15_000,
    );
    await pub.stop();
    try {
      await expectExactlyAcked(nc, pub, series, 20_000);
    } catch (e) {
      (e as Error).message += `\n--- ingestor output ---\n${ingestor.output.slice(-6000)}`;
      throw e;
    }
    expect(ingestor.exited).toBe(false);
  });
});
