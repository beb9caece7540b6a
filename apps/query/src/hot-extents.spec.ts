import type { NatsConnection } from '@nats-io/transport-node';
import { encodeHotExtent, type HotExtent } from '@ztsdb/wire';
import { HotClient } from './hot-client';
import { HotExtents } from './hot-extents';

const T0 = 1_800_000_000_000;
const ext = (o: Partial<HotExtent>): Uint8Array =>
  encodeHotExtent({
    partition: 0,
    owner: 'a',
    instance: 'i1',
    seq: 1,
    state: 'serving',
    minT: T0,
    maxT: T0 + 1000,
    ...o,
  });

/** A tracker on a clock the test moves. */
function tracker(maxAgeMs = 2000): { x: HotExtents; clock: { now: number } } {
  const clock = { now: 0 };
  const x = new HotExtents({} as NatsConnection, maxAgeMs, () => clock.now);
  return { x, clock };
}

describe('HotExtents', () => {
  it('knows nothing of a partition no owner announced: asks', () => {
    const { x } = tracker();
    expect(x.holdsNothing(0, 0, 1)).toBe(false);
  });

  it('skips only ranges disjoint from the extent, bounds inclusive', () => {
    const { x } = tracker();
    x.take(ext({}));
    expect(x.holdsNothing(0, T0 - 10, T0 - 1)).toBe(true);
    expect(x.holdsNothing(0, T0 + 1001, T0 + 5000)).toBe(true);
    expect(x.holdsNothing(0, T0 - 10, T0)).toBe(false);
    expect(x.holdsNothing(0, T0 + 1000, T0 + 5000)).toBe(false);
    expect(x.holdsNothing(0, T0 + 10, T0 + 20)).toBe(false);
    expect(x.holdsNothing(0, -Infinity, Infinity)).toBe(false);
    expect(x.holdsNothing(1, T0 - 10, T0 - 1)).toBe(false); // another partition
  });

  it('skips every range of an owner that holds nothing', () => {
    const { x } = tracker();
    x.take(ext({ minT: Infinity, maxT: -Infinity }));
    expect(x.holdsNothing(0, -Infinity, Infinity)).toBe(true);
  });

  it('stops trusting an owner silent for longer than the max age', () => {
    const { x, clock } = tracker(2000);
    x.take(ext({ minT: Infinity, maxT: -Infinity }));
    clock.now = 2000;
    expect(x.holdsNothing(0, 0, 1)).toBe(true);
    clock.now = 2001;
    expect(x.holdsNothing(0, 0, 1)).toBe(false);
    x.take(ext({ seq: 2, minT: Infinity, maxT: -Infinity })); // heard again
    expect(x.holdsNothing(0, 0, 1)).toBe(true);
  });

  it('forgets silent owners of past takeovers as new ones are heard', () => {
    const { x, clock } = tracker(2000);
    for (let i = 0; i < 50; i++) {
      clock.now = i * 3000;
      x.take(ext({ instance: `i${i}`, minT: Infinity, maxT: -Infinity }));
    }
    const owners = (x as unknown as { byPartition: Map<number, Map<string, unknown>> }).byPartition;
    expect(owners.get(0)!.size).toBe(1);
    expect(x.holdsNothing(0, 0, 1)).toBe(true);
  });

  it('keeps the newest announcement of an instance, and drops an instance that stopped', () => {
    const { x } = tracker();
    x.take(ext({ seq: 5, minT: T0 - 9000 }));
    x.take(ext({ seq: 4 })); // older, arrived late: ignored
    expect(x.holdsNothing(0, T0 - 9000, T0 - 8000)).toBe(false);
    x.take(ext({ seq: 6, state: 'stopped' }));
    expect(x.holdsNothing(0, T0 - 9000, T0 - 8000)).toBe(false); // no one heard: asks
    expect(x.holdsNothing(0, 0, 1)).toBe(false);
  });

  it('asks when any owner heard lately may hold points there (a handover in progress)', () => {
    const { x } = tracker();
    x.take(ext({ owner: 'old', instance: 'o', minT: Infinity, maxT: -Infinity }));
    x.take(ext({ owner: 'new', instance: 'n', minT: T0, maxT: T0 + 10 }));
    expect(x.holdsNothing(0, T0, T0 + 1)).toBe(false);
    expect(x.holdsNothing(0, 0, 1)).toBe(true);
    // The same member owning the partition again is another instance.
    x.take(ext({ owner: 'new', instance: 'n2', minT: 0, maxT: 5 }));
    expect(x.holdsNothing(0, 0, 1)).toBe(false);
  });

  it('does not trust a bad announcement, and forgets everything on a disconnection', () => {
    const { x } = tracker();
    x.take(Buffer.from('{"v":9}'));
    x.take(Buffer.from('garbage'));
    expect(x.bad).toBe(2);
    expect(x.lastBad).toMatch(/not JSON/);
    expect(x.holdsNothing(0, 0, 1)).toBe(false);
    x.take(ext({ minT: Infinity, maxT: -Infinity }));
    expect(x.holdsNothing(0, 0, 1)).toBe(true);
    x.forget();
    expect(x.holdsNothing(0, 0, 1)).toBe(false);
  });
});

describe('HotClient with extents', () => {
  /** A connection that records requests and never answers. */
  function silentNats(): { nc: NatsConnection; subjects: string[] } {
    const subjects: string[] = [];
    const nc = {
      info: { client_id: 1 },
      options: {},
      subscribe: () => ({ isClosed: () => false, unsubscribe: () => undefined }),
      publish: (subject: string) => void subjects.push(subject),
    } as unknown as NatsConnection;
    return { nc, subjects };
  }

  it('does not ask a partition whose owners hold nothing in the range, and asks the others', async () => {
    const { nc, subjects } = silentNats();
    const nothingIn = new Set([1, 3]);
    const client = new HotClient(nc, 20, {
      holdsNothing: (p, start, end) => nothingIn.has(p) && start === T0 && end === T0 + 5,
    });
    const byPartition = new Map([
      [0, [10n]],
      [1, [11n]],
      [2, [12n]],
      [3, [13n]],
    ]);
    const a = await client.fetch(byPartition, T0, T0 + 5);
    expect(subjects.sort()).toEqual(['ztsdb.hot.p.0', 'ztsdb.hot.p.2']);
    expect(a.series).toEqual([]);
    expect(a.missing.map((m) => m.partition)).toEqual([0, 2]); // never answered
    expect(client.skipped).toBe(2);

    subjects.length = 0;
    const all = await client.fetch(new Map([[1, [11n]]]), T0, T0 + 6); // another range: asks
    expect(subjects).toEqual(['ztsdb.hot.p.1']);
    expect(all.missing.map((m) => m.partition)).toEqual([1]);

    subjects.length = 0;
    const none = await client.fetch(
      new Map([
        [1, [11n]],
        [3, [13n]],
      ]),
      T0,
      T0 + 5,
    );
    expect(subjects).toEqual([]);
    expect(none).toEqual({ series: [], missing: [] });
    client.close();
  });
});
