import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAM_SAMPLES } from '@ztsdb/bus';
import { waitFor } from '@ztsdb/testing';
import { freePort, ZtsdbProcess } from '../support/ztsdb-process';
import {
  expectExactlyAcked,
  ingestorEnv,
  ingestTestBed,
  makeSeries,
  PARTITIONS,
  queryHot,
  TestPublisher,
} from './ingest-fixture';
import { mountTmpfs, type Tmpfs } from './tmpfs';

const MiB = 1024 * 1024;
const WAL_MAX = 4 * MiB;

/** 'running', or what the process printed before it ended (so a failure shows why). */
const alive = (p: ZtsdbProcess): string => (p.exited ? p.output : 'running');

/** Ack floor (stream sequence) of each partition's consumer. */
async function ackFloors(nc: NatsConnection): Promise<number[]> {
  const jsm = await jetstreamManager(nc);
  const out: number[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const ci = await jsm.consumers.info(STREAM_SAMPLES, `ztsdb-ingestor-p${p}`);
    out.push(ci.ack_floor.stream_seq);
  }
  return out;
}

/** Largest WAL file of a partition. */
function largestWal(dataDir: string): number {
  let n = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    try {
      n = Math.max(n, statSync(join(dataDir, 'wal', `p${p}`, 'data.mdb')).size);
    } catch {
      // partition not opened
    }
  }
  return n;
}

// D4: a full disk under the WAL. 72 MiB tmpfs, 28 MiB taken by another file, 32 MiB reserved
// by the four WALs (2 × ZTSDB_WAL_MAX_BYTES each), 2 M points; then another file takes the
// rest. The WALs' writes land in their reserved blocks (a page write failing inside LMDB can
// crash the process, see partition-log.ts) and the free-space check stops the ingest.
describe('ingestor on a full disk', () => {
  const bed = ingestTestBed('ztsdb-ingest-full-');
  let fs: Tmpfs | undefined;
  let pub: TestPublisher | undefined;
  let ingestor: ZtsdbProcess | undefined;
  afterAll(async () => {
    await pub?.stop();
    await ingestor?.stop('SIGKILL');
    fs?.remove();
  });

  it('stops acknowledging, stays up, serves hot reads, survives a restart, and resumes without loss once space returns', async () => {
    // A failure shows what the ingestors said.
    await scenario().catch((e: Error) => {
      e.message += `\n--- ingestor output (last run) ---\n${ingestor?.output.slice(-4000) ?? ''}`;
      throw e;
    });
  }, 300_000);

  async function scenario(): Promise<void> {
    const { server, nc } = bed;
    fs = mountTmpfs(72);
    const filler = join(fs.path, 'filler');
    writeFileSync(filler, Buffer.alloc(28 * MiB, 1));
    const dataDir = join(fs.path, 'data');
    const port = await freePort();
    const env = ingestorEnv(server.url, dataDir, {
      ZTSDB_INGESTOR_ID: 'full-disk',
      ZTSDB_INGESTOR_HTTP_ADDR: `127.0.0.1:${port}`,
      ZTSDB_WAL_MAX_BYTES: String(WAL_MAX),
      ZTSDB_DISK_MIN_FREE_BYTES: String(MiB),
      ZTSDB_DISK_PROBE_INTERVAL: '200ms',
    });
    ingestor = ZtsdbProcess.start(['ingestor'], env);
    const first = ingestor;
    await waitFor(
      () => (first.output.match(/partition \d+: serving/g) ?? []).length === PARTITIONS,
      'the ingestor to serve its partitions',
      30_000,
    );
    // 2,000 series, one tick apart: 1,000 ticks are 2 M points. Values like a gauge's.
    const series = makeSeries(2000);
    const producer = new TestPublisher(nc, series, 0, (id, tick) => Number(id % 7n) + (tick >> 5));
    pub = producer;
    producer.start();
    await waitFor(() => producer.ackedBatches >= 4 * 150, 'some ingest', 60_000);
    // Another file takes the rest of the disk.
    fs.fill('filler2');
    await waitFor(
      () => /disk full/.test(first.output) || first.exited,
      'the ingestor to report the full disk',
      60_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(alive(first)).toBe('running');
    // Acknowledging stopped: the ack floors stand still while producers go on.
    const floors = await ackFloors(nc);
    const before = producer.ackedBatches;
    await waitFor(() => producer.ackedBatches >= before + 200, 'producers to go on', 30_000);
    expect(await ackFloors(nc)).toEqual(floors);
    expect(alive(first)).toBe('running');
    // Hot reads are served: every answered point was acknowledged.
    const hot = await queryHot(nc, series, 5000);
    let hotPoints = 0;
    for (const [id, pts] of hot) {
      const acked = producer.acked.get(id)!;
      for (const [t, v] of pts) {
        expect(acked.get(t)).toBe(v);
        hotPoints++;
      }
    }
    expect(hotPoints).toBeGreaterThan(0);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/disk full/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    // Restarted while the disk is still full: it must neither crash nor acknowledge.
    await first.stop('SIGKILL');
    ingestor = ZtsdbProcess.start(['ingestor'], env);
    const second = ingestor;
    await waitFor(
      () => /waiting for disk space/.test(second.output) || second.exited,
      'the restarted ingestor to wait for disk space',
      60_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect(alive(second)).toBe('running');
    expect(await ackFloors(nc)).toEqual(floors);

    // Space returns: it resumes by itself, and every acknowledged sample is there exactly once.
    rmSync(filler);
    rmSync(join(fs.path, 'filler2'));
    await waitFor(
      () => /disk space is back/.test(second.output),
      'the ingestor to resume',
      30_000,
      100,
    );
    await waitFor(() => producer.ackedBatches >= 4 * 1000, '2 M points', 120_000);
    await producer.stop();
    await expectExactlyAcked(nc, producer, series, 60_000);
    // The WAL stays within its bound while it takes in the backlog: twice its snapshot + about
    // twice a quarter of ZTSDB_WAL_MAX_BYTES of batches. Before the consumer waited for a snapshot
    // that fell behind, the four logs grew to 10 MiB each and filled this disk a second time.
    expect(second.output.match(/disk space is back/g)).toHaveLength(1);
    expect(largestWal(dataDir)).toBeLessThanOrEqual(2 * WAL_MAX);
    expect(first.output + second.output).not.toMatch(/Unhandled|uncaught|Commit failed \(see/i);
    expect(first.output + second.output).not.toMatch(/cannot reserve/);
  }
});
