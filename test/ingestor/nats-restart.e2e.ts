import type { NatsConnection } from '@nats-io/transport-node';
import { NatsServer, tempDir, waitFor } from '@ztsdb/testing';
import { stopAllZtsdb, ZtsdbProcess } from '../support/ztsdb-process';
import {
  connectTo,
  expectExactlyAcked,
  ingestorEnv,
  makeSeries,
  TestPublisher,
} from './ingest-fixture';

describe('nats-server restarted during ingest', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  const data = tempDir('ztsdb-ingest-restart-');

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connectTo(server.url);
  });
  afterAll(async () => {
    await stopAllZtsdb();
    await nc?.close();
    await server?.stop();
    data.remove();
  });

  it('publisher and ingestor reconnect; everything acknowledged is there exactly once', async () => {
    const series = makeSeries(40);
    const ingestor = ZtsdbProcess.start(
      ['ingestor'],
      ingestorEnv(server.url, data.path, { ZTSDB_INGESTOR_ID: 'one' }),
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
    await expectExactlyAcked(nc, pub, series, 20_000);
    expect(ingestor.exited).toBe(false);
  });
});
