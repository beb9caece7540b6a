import { connect, type NatsConnection } from '@nats-io/transport-node';
import { hotSubject } from '@ztsdb/bus';
import { NatsServer } from '@ztsdb/testing';
import { encodeHotReplyParts, type SeriesPoints } from '@ztsdb/wire';
import { HotReplyServer as HotResponder } from '../../apps/ingestor/src/hot-reply-server';
import { HotClient } from '../../apps/query/src/hot-client';
import { SmallPayloadServer } from './small-payload-server';

const T0 = 1_800_000_000_000;

/** `count` series of `points` points each at 1 s, values distinct per series and point. */
function makeSeries(count: number, points: number, firstId = 1n): SeriesPoints[] {
  const out: SeriesPoints[] = [];
  for (let s = 0; s < count; s++) {
    out.push({
      id: firstId + BigInt(s),
      timestamps: Float64Array.from({ length: points }, (_, i) => T0 + i * 1000),
      values: Float64Array.from({ length: points }, (_, i) => s * 1e6 + i + 0.5),
    });
  }
  return out;
}

/** A HotQuery over in-memory series: the points of each asked id in [start, end]. */
function memoryQuery(
  all: SeriesPoints[],
): (ids: bigint[], start: number, end: number) => SeriesPoints[] {
  const byId = new Map(all.map((s) => [s.id, s]));
  return (ids, start, end) =>
    ids.map((id) => {
      const s = byId.get(id);
      if (!s) return { id, timestamps: new Float64Array(0), values: new Float64Array(0) };
      let lo = 0;
      while (lo < s.timestamps.length && s.timestamps[lo]! < start) lo++;
      let hi = lo;
      while (hi < s.timestamps.length && s.timestamps[hi]! <= end) hi++;
      return { id, timestamps: s.timestamps.subarray(lo, hi), values: s.values.subarray(lo, hi) };
    });
}

/** Counts reply messages seen on any inbox of the server. */
function countInboxMessages(nc: NatsConnection): { count: () => number; stop: () => void } {
  let n = 0;
  const sub = nc.subscribe('_INBOX.>', { callback: () => void n++ });
  return { count: () => n, stop: () => sub.unsubscribe() };
}

const sorted = (l: SeriesPoints[]): SeriesPoints[] => [...l].sort((a, b) => (a.id < b.id ? -1 : 1));
const bytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
/** Series as comparable text: id and the exact bytes of both columns (fast for megabytes). */
const digest = (l: SeriesPoints[]): string[] =>
  sorted(l).map(
    (s) =>
      `${s.id}:${bytes(s.timestamps).toString('base64')}:${bytes(s.values).toString('base64')}`,
  );

describe('hot replies larger than max_payload', () => {
  it('arrive complete through a server with a 64 KiB max_payload', async () => {
    const server = await SmallPayloadServer.start(65_536);
    const owner = await connect({ servers: server.url });
    const asker = await connect({ servers: server.url });
    const spy = countInboxMessages(owner);
    try {
      expect(owner.info?.max_payload).toBe(65_536);
      const all = makeSeries(120, 600); // 120 × (16 + 600 × 16) bytes ≈ 1.15 MB
      const responder = new HotResponder(owner, 1, memoryQuery(all));
      responder.start();
      await owner.flush();
      const client = new HotClient(asker, 5000);
      const answer = await client.fetch(new Map([[1, all.map((s) => s.id)]]), T0, T0 + 3_600_000);
      expect(answer.missing).toEqual([]);
      expect(digest(answer.series)).toEqual(digest(all));
      await owner.flush();
      expect(spy.count()).toBeGreaterThanOrEqual(18);
      // A range that cuts every series.
      const part = await client.fetch(
        new Map([[1, all.map((s) => s.id)]]),
        T0 + 100_000,
        T0 + 199_000,
      );
      expect(part.missing).toEqual([]);
      expect(part.series.map((s) => s.timestamps.length)).toEqual(all.map(() => 100));
      expect(part.series[7]!.values[0]).toBe(7e6 + 100 + 0.5);
      client.close();
      responder.stop();
    } finally {
      spy.stop();
      await owner.close();
      await asker.close();
      await server.stop();
    }
  });

  describe('with the default 1 MB max_payload', () => {
    let server: NatsServer;
    let owner: NatsConnection;
    let asker: NatsConnection;

    beforeAll(async () => {
      server = await NatsServer.start();
      owner = await connect({ servers: server.url });
      asker = await connect({ servers: server.url });
    });

    afterAll(async () => {
      await owner?.close();
      await asker?.close();
      await server?.stop();
    });

    it('gathers a 5.8 MB answer (and a step-thinned one) from the ingestor responder', async () => {
      const all = makeSeries(100, 3600, 1000n); // 100 × 57.6 KB
      const responder = new HotResponder(owner, 2, memoryQuery(all));
      responder.start();
      await owner.flush();
      const client = new HotClient(asker, 5000);
      try {
        const answer = await client.fetch(new Map([[2, all.map((s) => s.id)]]), T0, T0 + 3_600_000);
        expect(answer.missing).toEqual([]);
        expect(digest(answer.series)).toEqual(digest(all));
        const thin = await client.fetch(
          new Map([[2, all.map((s) => s.id)]]),
          T0,
          T0 + 3_599_000,
          60_000,
        );
        expect(thin.missing).toEqual([]);
        // Instants T0, T0+60 s, …: one point each (the one exactly at the instant).
        expect(thin.series.map((s) => s.timestamps.length)).toEqual(all.map(() => 60));
        expect([...thin.series[0]!.timestamps.subarray(0, 3)]).toEqual([
          T0,
          T0 + 60_000,
          T0 + 120_000,
        ]);
      } finally {
        client.close();
        responder.stop();
      }
    });

    it('reports the partition missing when a part is lost, and uses none of its points', async () => {
      const all = makeSeries(10, 2000, 5000n);
      // An owner that loses the second of its parts.
      const sub = owner.subscribe(hotSubject(3), {
        callback: (_e, msg) => {
          const parts = encodeHotReplyParts({ partition: 3, series: all }, 100_000);
          parts.forEach((p, i) => i !== 1 && msg.respond(p));
        },
      });
      const full = new HotResponder(owner, 0, memoryQuery(makeSeries(3, 10, 9000n)));
      full.start();
      await owner.flush();
      const client = new HotClient(asker, 400);
      try {
        const answer = await client.fetch(
          new Map([
            [3, all.map((s) => s.id)],
            [0, [9000n, 9001n]],
          ]),
          T0,
          T0 + 3_600_000,
        );
        expect(answer.missing).toEqual([
          {
            partition: 3,
            reason: expect.stringMatching(
              /^1 of \d+ reply parts not received within 400 ms \(missing parts 2\)$/,
            ),
          },
        ]);
        expect(answer.series.map((s) => s.id).sort()).toEqual([9000n, 9001n]);
      } finally {
        client.close();
        sub.unsubscribe();
        full.stop();
      }
    });

    it('reports refusals, silence and no owner per partition', async () => {
      const silent = owner.subscribe(hotSubject(5), { callback: () => undefined });
      const responder = new HotResponder(owner, 6, memoryQuery([]));
      responder.start();
      await owner.flush();
      const client = new HotClient(asker, 300);
      // A request the owner must refuse: too small a maxBytes.
      const refused = await new Promise<string | undefined>((resolve) => {
        asker
          .request(hotSubject(6), JSON.stringify({ ids: [], start: 0, end: 1, maxBytes: 8 }), {
            timeout: 2000,
          })
          .then(
            (m) => resolve(m.headers?.get('Ztsdb-Error')),
            () => resolve(undefined),
          );
      });
      expect(refused).toMatch(/maxBytes/);
      try {
        const answer = await client.fetch(
          new Map([
            [4, [1n]],
            [5, [2n]],
            [6, [3n]],
          ]),
          T0,
          T0 + 1000,
        );
        expect(answer.missing).toEqual([
          { partition: 4, reason: 'no ingestor owns it' },
          { partition: 5, reason: 'no answer within 300 ms' },
        ]);
        expect(answer.series).toEqual([
          { id: 3n, timestamps: new Float64Array(0), values: new Float64Array(0) },
        ]);
      } finally {
        client.close();
        silent.unsubscribe();
        responder.stop();
      }
    });
  });
});
