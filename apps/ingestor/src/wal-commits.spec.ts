import type { JsMsg } from '@nats-io/jetstream';
import { HotState, type LocalLog } from '@ztsdb/tsdb';
import { decodeSampleBatch, encodeSampleBatch } from '@ztsdb/wire';
import { ApplyQueue } from './apply-queue';
import type { OwnedPartition, Received } from './owned-partition';
import { WalCommits } from './wal-commits';

const T0 = 1_700_000_000_000;
const turn = () => new Promise((r) => setImmediate(r));

/** A write the test settles: resolves (durable) or rejects (failed). */
function pending(): { p: Promise<boolean>; ok(): void; fail(e: Error): void } {
  let ok!: () => void;
  let fail!: (e: Error) => void;
  const p = new Promise<boolean>((res, rej) => {
    ok = () => res(true);
    fail = rej;
  });
  p.catch(() => undefined);
  return { p, ok, fail };
}

describe('WalCommits', () => {
  const setup = () => {
    const state = new HotState(0, 3_600_000);
    const wal = { flushed: () => Promise.resolve() } as unknown as LocalLog;
    const owned = { partition: 0, state, wal } as OwnedPartition;
    const queue = new ApplyQueue(owned, 1_000_000, () => {});
    const failures: unknown[] = [];
    const notAcked: number[][] = [];
    const commits = new WalCommits(
      owned,
      queue,
      (e) => {
        failures.push(e);
        commits.halt();
      },
      (g) => notAcked.push(g.map((e) => e.seq)),
    );
    const acks: number[] = [];
    const received = (seq: number, extra: Partial<Received> = {}): Received => {
      const bytes = encodeSampleBatch(
        { partition: 0, producerId: 1n, sequence: BigInt(seq) },
        [4n],
        [T0 + seq],
        [seq],
      );
      const batch = decodeSampleBatch(bytes, queue.columns);
      queue.received(batch.count);
      return { m: { ack: () => acks.push(seq) } as unknown as JsMsg, seq, batch, ...extra };
    };
    return { state, queue, commits, acks, failures, notAcked, received };
  };

  it('puts a batch in the head before its write is durable, and acknowledges it only once it is', async () => {
    const { state, queue, commits, acks, received } = setup();
    const w = pending();
    commits.add(received(1), w.p);
    commits.add(received(2), w.p);
    await turn();
    queue.drainAll(); // what a hot query does first
    expect(state.appliedSeq).toBe(2);
    expect(Array.from(state.read(4n, 0, Infinity).values)).toEqual([1, 2]);
    expect(acks).toEqual([]);
    w.ok();
    await commits.settled();
    expect(acks).toEqual([2]); // one ack for the group (AckPolicy.All)
  });

  it('after a failed write acknowledges nothing more and hands back the groups to receive again', async () => {
    const { state, queue, commits, acks, failures, notAcked, received } = setup();
    const w1 = pending();
    commits.add(received(1), w1.p);
    await turn();
    const w2 = pending();
    commits.add(received(2), w2.p);
    commits.add({
      m: { ack: () => acks.push(3) } as unknown as JsMsg,
      seq: 3,
      batch: null,
      dup: true,
    });
    await turn();
    w1.fail(new Error('disk full'));
    w2.ok();
    await commits.settled();
    expect(failures).toHaveLength(1);
    expect(acks).toEqual([]);
    // Both groups again (without the duplicate); their batches stay in the head.
    expect(notAcked).toEqual([[1], [2]]);
    queue.drainAll();
    expect(state.appliedSeq).toBe(2);

    // Received again: written again, acknowledged, not applied a second time.
    commits.resume();
    const w3 = pending();
    commits.add(
      {
        m: { ack: () => acks.push(1) } as unknown as JsMsg,
        seq: 1,
        batch: null,
        inHead: true,
        wasBatch: true,
      },
      w3.p,
    );
    await turn();
    w3.ok();
    await commits.settled();
    queue.drainAll();
    expect(acks).toEqual([1]);
    expect(Array.from(state.read(4n, 0, Infinity).values)).toEqual([1, 2]);
  });
});
