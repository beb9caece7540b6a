import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@ztsdb/testing';
import { ZtsdbProcess } from '../support/ztsdb-process';
import {
  expectExactlyAcked,
  ingestorEnv,
  ingestTestBed,
  makeSeries,
  TestPublisher,
} from './ingest-fixture';

// A takeover from the stream writes no WAL copy of the replayed batches; it
// snapshots once caught up. A kill at any moment of it (or just after, once
// batches go to the WAL again) must lose and duplicate nothing.
describe('takeover from the stream', () => {
  const bed = ingestTestBed('ztsdb-ingest-replay-');

  it('survives kills during and right after the replay, then rebuilds from the snapshot it made', async () => {
    const { server, nc } = bed;
    const series = makeSeries(64);
    const env = ingestorEnv(server.url, bed.dataDir, { ZTSDB_INGESTOR_ID: 'replayer' });
    let ingestor = ZtsdbProcess.start(['ingestor'], env);
    const pub = new TestPublisher(nc, series, 10);
    pub.start();
    await new Promise((r) => setTimeout(r, 1500));
    const logs: string[] = [];
    // Disk lost each time: every restart replays the stream from the checkpoint; kill it early.
    for (let kill = 0; kill < 4; kill++) {
      await ingestor.stop('SIGKILL');
      logs.push(ingestor.output);
      rmSync(join(bed.dataDir, 'wal'), { recursive: true, force: true });
      ingestor = ZtsdbProcess.start(['ingestor'], env);
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 900));
    }
    // Kill once the replay has ended (the log is whole again: snapshot, then WAL writes), keep the disk.
    await waitFor(
      async () => (ingestor.output.match(/serving \(state from stream/g) ?? []).length === 4,
      'the replays to end',
      20_000,
      50,
    );
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 300));
    await ingestor.stop('SIGKILL');
    logs.push(ingestor.output);
    ingestor = ZtsdbProcess.start(['ingestor'], env);
    await waitFor(
      async () => (ingestor.output.match(/serving \(state from/g) ?? []).length === 4,
      'the restart to serve',
      20_000,
      50,
    );
    await new Promise((r) => setTimeout(r, 300));
    await pub.stop();
    expect(pub.ackedBatches).toBeGreaterThan(50);
    await expectExactlyAcked(nc, pub, series, 20_000);
    expect(logs.join('\n')).toMatch(/state from stream/);
    // The last restart had its own log: the snapshot the replay made, and the WAL after it.
    expect(ingestor.output).toMatch(/serving \(state from wal/);
    expect(ingestor.output).not.toMatch(/serving \(state from stream/);
  });
});
