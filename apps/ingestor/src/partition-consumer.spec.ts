import { Logger } from '@nestjs/common';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ensureTopology, RepeatedWarnings, samplesSubject, STREAM_SAMPLES } from '@ztsdb/bus';
import { NatsServer, waitFor } from '@ztsdb/testing';
import { HotState, type LocalLog } from '@ztsdb/tsdb';
import { encodeSampleBatch } from '@ztsdb/wire';
import { ApplyQueue } from './apply-queue';
import type { OwnedPartition, PartitionOwnerOptions } from './owned-partition';
import { consumerName } from './partition-checkpoint';
import { PartitionConsumer } from './partition-consumer';

const T0 = 1_760_000_000_000;

/**
 * The partition's WAL as the consumer uses it, in memory: every write of the event-loop turn
 * in which `failFrom` is first written fails, as one LMDB transaction would; later ones succeed.
 */
class TestWal {
  readonly entries = new Map<number, 'batch' | 'skip'>();
  /** Writes issued per sequence (a rewrite counts again). */
  readonly writes = new Map<number, number>();
  failFrom = Infinity;
  private failingTurn = false;
  private failure: Error | undefined;
  readonly file = '/test/wal/p0/data.mdb';

  putBatch(seq: number): Promise<boolean> {
    return this.write(seq, 'batch');
  }
  putSkip(seq: number): Promise<boolean> {
    return this.write(seq, 'skip');
  }
  private write(seq: number, kind: 'batch' | 'skip'): Promise<boolean> {
    this.writes.set(seq, (this.writes.get(seq) ?? 0) + 1);
    if (seq >= this.failFrom) {
      this.failFrom = Infinity;
      this.failingTurn = true;
      setImmediate(() => (this.failingTurn = false));
    }
    if (this.failingTurn) {
      this.failure = new Error(`no space left writing ${seq}`);
      const p = Promise.reject(this.failure);
      p.catch(() => undefined);
      return p;
    }
    this.entries.set(seq, kind);
    this.failure = undefined;
    return Promise.resolve(true);
  }
  snapshotDue(): boolean {
    return false;
  }
  snapshotBehind(): boolean {
    return false;
  }
  flushed(): Promise<void> {
    return this.failure ? Promise.reject(this.failure) : Promise.resolve();
  }
  removeFrom(seq: number): Promise<void> {
    for (const s of [...this.entries.keys()]) if (s >= seq) this.entries.delete(s);
    return Promise.resolve();
  }
}

describe('PartitionConsumer (real nats-server)', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    await ensureTopology(nc);
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('after a failed WAL write writes the batches again when they come again, and applies each once', async () => {
    const js = jetstream(nc);
    const publish = async (seq: number) => {
      const bytes = encodeSampleBatch(
        { partition: 0, producerId: 1n, sequence: BigInt(seq) },
        [8n],
        [T0 + seq * 1000],
        [seq],
      );
      await js.publish(samplesSubject(0), bytes);
    };
    for (let seq = 1; seq <= 10; seq++) await publish(seq);

    const wal = new TestWal();
    wal.failFrom = 4;
    const failed: unknown[] = [];
    const owned: OwnedPartition = {
      partition: 0,
      opts: {
        fetchBytes: 1 << 20,
        walMaxBytes: 1 << 30,
        limits: { partitions: 1, minTimestampMs: 0, maxFutureMs: 10 * 365 * 86_400_000 },
        deadLetters: { report: () => undefined },
        disk: {
          full: false,
          hasRoom: () => true,
          writeFailed: (_file: string, e: unknown) => failed.push(e),
          waitForRoom: () => Promise.resolve(),
        },
      } as unknown as PartitionOwnerOptions,
      log: new Logger('spec'),
      warnings: new RepeatedWarnings(() => undefined, 1000),
      state: new HotState(0, 3_600_000),
      wal: wal as unknown as LocalLog,
      streamId: (await jsm.streams.info(STREAM_SAMPLES)).created,
      stopping: false,
    };
    // The head takes a point again without a trace (same timestamp, same value): count the applies.
    const applied: number[] = [];
    const apply = owned.state.apply.bind(owned.state);
    owned.state.apply = (seq, ...rest) => {
      applied.push(seq);
      return apply(seq, ...rest);
    };
    const queue = new ApplyQueue(owned, 1_000_000, () => undefined);
    const consumer = new PartitionConsumer(owned, js, jsm, queue, {
      adoptStream: () => Promise.resolve(),
      walFull: () => Promise.resolve(),
      received: () => undefined,
    });
    const ackFloor = async () =>
      (await jsm.consumers.info(STREAM_SAMPLES, consumerName(0))).ack_floor.stream_seq;
    try {
      await consumer.open(1);
      await waitFor(async () => (await ackFloor()) === 10, 'every batch acknowledged', 20_000);
      await publish(11);
      await waitFor(async () => (await ackFloor()) === 11, 'the next one too', 20_000);

      expect(failed.length).toBeGreaterThan(0);
      // The failed ones were written again; the log holds every sequence, each as a batch.
      expect(wal.writes.get(4)).toBe(2);
      expect([...wal.entries.keys()].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 11 }, (_, i) => i + 1),
      );
      expect(new Set(wal.entries.values())).toEqual(new Set(['batch']));
      queue.drainAll();
      expect(applied).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
      expect(owned.state.appliedSeq).toBe(11);
      expect(Array.from(owned.state.read(8n, 0, Infinity).values)).toEqual(
        Array.from({ length: 11 }, (_, i) => i + 1),
      );
    } finally {
      owned.stopping = true;
      await consumer.close();
    }
  }, 30_000);
});
