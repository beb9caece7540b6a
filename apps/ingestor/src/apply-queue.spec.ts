import type { JsMsg } from '@nats-io/jetstream';
import { HotState } from '@ztsdb/tsdb';
import { decodeSampleBatch, encodeSampleBatch } from '@ztsdb/wire';
import { ApplyQueue } from './apply-queue';
import type { OwnedPartition, Received } from './owned-partition';

const T0 = 1_700_000_000_000;
const turn = () => new Promise((r) => setImmediate(r));

describe('ApplyQueue', () => {
  const state = new HotState(0, 3_600_000);
  const queue = new ApplyQueue({ partition: 0, state } as OwnedPartition, 1_000_000, () => {});
  const received = (seq: number): Received => {
    const bytes = encodeSampleBatch(
      { partition: 0, producerId: 1n, sequence: BigInt(seq) },
      [4n, 8n],
      [T0 + seq, T0 + seq],
      [seq, -seq],
    );
    const batch = decodeSampleBatch(bytes, queue.columns);
    queue.received(batch.count);
    return { m: {} as JsMsg, seq, batch };
  };

  it('applies nothing while paused (a snapshot lays out the head), then what waited, in order', async () => {
    queue.push([received(1)]);
    queue.drainAll();
    expect(state.appliedSeq).toBe(1);

    queue.pause();
    queue.push([received(2), received(3)]);
    await turn();
    queue.drainAll(); // a hot query or a seal: still nothing while paused
    expect(state.appliedSeq).toBe(1);
    const waited = queue.pausedUntil;
    expect(waited).toBeDefined();
    let resumed = false;
    void waited!.then(() => (resumed = true));
    await turn();
    expect(resumed).toBe(false);

    queue.resume();
    await waited;
    expect(queue.pausedUntil).toBeUndefined();
    queue.drainAll(); // what a waiting hot query does once let go
    expect(state.appliedSeq).toBe(3);
    expect(Array.from(state.read(8n, 0, Infinity).values)).toEqual([-1, -2, -3]);
  });

  it("passes a waiter's hurry on to what paused it, until it resumes", () => {
    let hurried = 0;
    queue.pause(() => hurried++);
    queue.hurry();
    expect(hurried).toBe(1);
    queue.resume();
    queue.hurry();
    expect(hurried).toBe(1);
  });

  it('applies what waited from the next turn on when nothing asks for it', async () => {
    queue.pause();
    queue.push([received(4)]);
    await turn();
    expect(state.appliedSeq).toBe(3);
    queue.resume();
    await turn();
    expect(state.appliedSeq).toBe(4);
  });
});
