import { jetstreamManager } from '@nats-io/jetstream';
import { STREAM_CHUNKS, STREAM_SAMPLES } from '@ztsdb/bus';
import { waitFor } from '@ztsdb/testing';
import { freePort, ZtsdbProcess } from '../support/ztsdb-process';
import {
  expectExactlyAcked,
  ingestorEnv,
  ingestTestBed,
  makeSeries,
  PARTITIONS,
  TestPublisher,
} from './ingest-fixture';

const serving = (p: ZtsdbProcess, n: number) =>
  (p.output.match(/partition \d+: serving/g) ?? []).length >= n;

// D8: the samples stream deleted under a running ingestor, and under a stopped one.
describe('samples stream deleted', () => {
  const bed = ingestTestBed('ztsdb-ingest-stream-');
  let pub: TestPublisher | undefined;
  afterAll(async () => {
    await pub?.stop();
  });

  let ingestor: ZtsdbProcess | undefined;

  it('is noticed, re-created and consumed again, and no acknowledged point is lost, running or restarted', async () => {
    // A failure shows what the ingestor said.
    await scenario().catch(async (e: Error) => {
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`)
        .then((r) => r.text())
        .catch((err: Error) => err.message);
      e.message += `\n--- ingestor output ---\n${ingestor?.output.slice(-6000) ?? ''}`;
      e.message += `\n--- its metrics ---\n${metrics
        .split('\n')
        .filter((l) => l.startsWith('ztsdb_ingestor_'))
        .join('\n')}`;
      throw e;
    });
  }, 180_000);

  let port = 0;

  async function scenario(): Promise<void> {
    const { server, nc } = bed;
    const jsm = await jetstreamManager(nc);
    port = await freePort();
    const env = ingestorEnv(server.url, bed.dataDir, {
      ZTSDB_INGESTOR_ID: 'stream-gone',
      ZTSDB_INGESTOR_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_STREAM_CHECK_INTERVAL: '300ms',
    });
    const first = ZtsdbProcess.start(['ingestor'], env);
    ingestor = first;
    const series = makeSeries(64);
    const producer = new TestPublisher(nc, series, 10);
    pub = producer;
    producer.start();
    await waitFor(() => serving(first, PARTITIONS), 'the partitions to be served', 30_000);
    await waitFor(() => producer.ackedBatches >= 200, 'some ingest', 30_000);
    await producer.stop();
    await expectExactlyAcked(nc, producer, series);

    // Deleted while running: noticed, logged, re-created, consumed from its first sequence.
    await jsm.streams.delete(STREAM_SAMPLES);
    producer.start();
    const running = first;
    await waitFor(
      () => /samples stream ZTSDB_SAMPLES is missing/.test(running.output),
      'the missing stream to be reported',
      15_000,
    );
    await waitFor(
      () => (running.output.match(/was re-created .* consuming the new stream/g) ?? []).length >= 4,
      'every partition to move to the new stream',
      30_000,
    );
    const acked = producer.ackedBatches;
    await waitFor(() => producer.ackedBatches >= acked + 200, 'ingest on the new stream', 30_000);
    await producer.stop();
    await expectExactlyAcked(nc, producer, series);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    // The old stream's points went out as sealed chunks.
    expect((await jsm.streams.info(STREAM_CHUNKS)).state.messages).toBeGreaterThan(0);

    // Deleted while the ingestor is down: the restart keeps what its WAL holds, and says so.
    await first.stop('SIGKILL');
    await jsm.streams.delete(STREAM_SAMPLES);
    ingestor = ZtsdbProcess.start(['ingestor'], env);
    const restarted = ingestor;
    await waitFor(() => serving(restarted, PARTITIONS), 'the restart to serve', 30_000);
    expect(restarted.output).toMatch(/was re-created .*the WAL was written from the one created/);
    producer.start();
    const acked2 = producer.ackedBatches;
    await waitFor(() => producer.ackedBatches >= acked2 + 100, 'ingest after the restart', 30_000);
    await producer.stop();
    await expectExactlyAcked(nc, producer, series);
  }
});
