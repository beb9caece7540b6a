import type { NatsConnection } from '@nats-io/transport-node';
import { seriesKey } from '@ztsdb/model';
import { HotState } from '@ztsdb/tsdb';
import { decodeHotExtent, type HotExtent } from '@ztsdb/wire';
import { EXTENT_HEADROOM_MS, headExtent, HotExtentPublisher } from './hot-extent';

const HOUR = 3_600_000;
const T0 = 1_800_000_000_000;

/** A connection that keeps what was published on the extent subject. */
function fakeNats(): { nc: NatsConnection; sent: HotExtent[]; subjects: string[] } {
  const sent: HotExtent[] = [];
  const subjects: string[] = [];
  const nc = {
    publish: (subject: string, data: Uint8Array) => {
      subjects.push(subject);
      sent.push(decodeHotExtent(data));
    },
  } as unknown as NatsConnection;
  return { nc, sent, subjects };
}

function apply(state: HotState, seq: number, id: bigint, ts: number[]): void {
  state.apply(
    seq,
    BigUint64Array.from(ts.map(() => id)),
    Float64Array.from(ts),
    Float64Array.from(ts.map((_, i) => i)),
    ts.length,
  );
}

describe('headExtent', () => {
  it('covers open chunks, out-of-order buffers and sealed chunks, and is empty for an empty head', () => {
    const state = new HotState(0, 2 * HOUR);
    expect(headExtent(state)).toEqual({ minT: Infinity, maxT: -Infinity });
    apply(state, 1, 1n, [T0, T0 + 1000]);
    expect(headExtent(state)).toEqual({ minT: T0, maxT: T0 + 1000 });
    apply(state, 2, 1n, [T0 - 5000]); // out of order
    expect(headExtent(state)).toEqual({ minT: T0 - 5000, maxT: T0 + 1000 });
    state.sealByAge(Infinity); // everything sealed, held until in a warm file
    expect(headExtent(state)).toEqual({ minT: T0 - 5000, maxT: T0 + 1000 });
    const held = state.heldList();
    expect(held.length).toBeGreaterThan(0);
    state.markWarm(
      held.map((c) => ({ id: seriesKey(c.seriesId), minT: c.minT, maxT: c.maxT, count: c.count })),
    );
    expect(headExtent(state)).toEqual({ minT: Infinity, maxT: -Infinity });
  });
});

describe('HotExtentPublisher', () => {
  it('announces on start, widens at once on a batch outside it, narrows when the head lets go', () => {
    const { nc, sent, subjects } = fakeNats();
    const state = new HotState(2, 2 * HOUR);
    const pub = new HotExtentPublisher(nc, 2, 'member-a', 500, () => state);
    pub.received(1, Float64Array.from([T0]), 1); // before start (a replay): kept, not sent
    expect(sent).toEqual([]);
    pub.start();
    pub.stop(); // the timer is not needed here: refresh is called by hand below
    sent.length = 0;
    const serving = new HotExtentPublisher(nc, 2, 'member-a', 500, () => state);
    serving.start();
    expect(subjects.every((s) => s === 'ztsdb.hot.extent.p.2')).toBe(true);
    // Nothing in the head; the batch received before start belonged to the other instance.
    expect(sent.at(-1)).toMatchObject({
      state: 'serving',
      seq: 1,
      minT: Infinity,
      maxT: -Infinity,
    });

    // Received (not yet applied): announced before it can be read, with headroom above.
    serving.received(5, Float64Array.from([T0, T0 + 1000, T0 - 2000]), 3);
    expect(sent.at(-1)).toMatchObject({
      seq: 2,
      minT: T0 - 2000,
      maxT: T0 + 1000 + EXTENT_HEADROOM_MS,
    });
    // Inside the announced range: nothing sent.
    serving.received(6, Float64Array.from([T0 + 30_000]), 1);
    expect(sent).toHaveLength(2);
    // A backfill below: sent at once.
    serving.received(7, Float64Array.from([T0 - HOUR]), 1);
    expect(sent.at(-1)).toMatchObject({ seq: 3, minT: T0 - HOUR });

    // A refresh while they are not applied keeps them (sequence above the head's).
    serving.refresh();
    expect(sent.at(-1)).toMatchObject({
      seq: 4,
      minT: T0 - HOUR,
      maxT: T0 + 30_000 + EXTENT_HEADROOM_MS,
    });
    // Applied: the head holds them; the backfill's sequence is applied too.
    apply(state, 5, 1n, [T0 - 2000, T0, T0 + 1000]);
    apply(state, 6, 1n, [T0 + 30_000]);
    apply(state, 7, 2n, [T0 - HOUR]);
    serving.refresh();
    expect(sent.at(-1)).toMatchObject({ minT: T0 - HOUR, maxT: T0 + 30_000 + EXTENT_HEADROOM_MS });
    // Handed on to warm files: the extent narrows to nothing.
    state.sealByAge(Infinity);
    const held = state.heldList();
    state.markWarm(
      held.map((c) => ({ id: seriesKey(c.seriesId), minT: c.minT, maxT: c.maxT, count: c.count })),
    );
    serving.refresh();
    expect(sent.at(-1)).toMatchObject({ minT: Infinity, maxT: -Infinity });
    // Sequences increase by one per message.
    expect(sent.map((e) => e.seq)).toEqual(sent.map((_, i) => i + 1));

    serving.stop();
    expect(sent.at(-1)).toMatchObject({ state: 'stopped' });
    const n = sent.length;
    serving.received(8, Float64Array.from([T0 - 10 * HOUR]), 1); // stopped: nothing more
    serving.stop();
    expect(sent).toHaveLength(n);
  });

  it('keeps a batch received but not applied across refreshes, however many', () => {
    const { nc, sent } = fakeNats();
    const state = new HotState(0, 2 * HOUR);
    const pub = new HotExtentPublisher(nc, 0, 'm', 500, () => state);
    pub.start();
    pub.received(3, Float64Array.from([T0 - 7 * HOUR]), 1);
    for (let i = 0; i < 40; i++) {
      pub.received(10 + i, Float64Array.from([T0 + i]), 1);
      pub.refresh();
      expect(sent.at(-1)!.minT).toBe(T0 - 7 * HOUR);
    }
    pub.stop();
  });

  it('announces nothing when turned off', () => {
    const { nc, sent } = fakeNats();
    const state = new HotState(0, 2 * HOUR);
    const pub = new HotExtentPublisher(nc, 0, 'm', 0, () => state);
    pub.start();
    pub.received(1, Float64Array.from([T0]), 1);
    pub.refresh();
    pub.stop();
    expect(sent).toEqual([]);
  });

  it('does not throw when the connection is closed', () => {
    const nc = {
      publish: () => {
        throw new Error('closed');
      },
    } as unknown as NatsConnection;
    const pub = new HotExtentPublisher(nc, 0, 'm', 500, () => new HotState(0, HOUR));
    expect(() => {
      pub.start();
      pub.received(1, Float64Array.from([T0]), 1);
      pub.stop();
    }).not.toThrow();
  });
});
