import { jetstream } from '@nats-io/jetstream';
import { samplesSubject } from '@ztsdb/bus';
import { waitFor } from '@ztsdb/testing';
import { encodeSampleBatch, sampleBatchMsgId } from '@ztsdb/wire';
import { HotClient, type HotAnswer } from '../../apps/query/src/hot-client';
import { HotExtents } from '../../apps/query/src/hot-extents';
import { ZtsdbProcess } from '../support/ztsdb-process';
import { ingestorEnv, ingestTestBed, makeSeries, PARTITIONS, queryHot, T0 } from './ingest-fixture';

const HOUR = 3_600_000;
/** A range an hour and more before the recent points: the owners hold nothing there at first. */
const OLD = { start: T0 - 2 * HOUR, end: T0 - HOUR };

const points = (a: HotAnswer): Array<[bigint, number, number]> =>
  a.series.flatMap((s) =>
    Array.from(s.timestamps, (t, i): [bigint, number, number] => [s.id, t, s.values[i]!]),
  );

const servingCount = (p: ZtsdbProcess): number => (p.output.match(/: serving \(/g) ?? []).length;

// Owners announce the extent of their hot points (ztsdb.hot.extent.p.<n>); a query over a range
// outside every announced extent does not ask. It must still see every point the owner would
// have answered: a backfill into an old range, the points a new owner took over, and, once an
// owner falls silent, it asks again.
describe('hot extents: skipping owners that hold nothing in the range', () => {
  const bed = ingestTestBed('ztsdb-hot-extent-');

  it('skips only while the owners hold nothing there, through a backfill, a handover and a kill', async () => {
    const { server, nc } = bed;
    const series = makeSeries(8);
    const all = new Map([...series].map(([p, ids]) => [p, ids]));
    const env = (id: string): Record<string, string> =>
      ingestorEnv(server.url, bed.dataDir, {
        ZTSDB_INGESTOR_ID: id,
        ZTSDB_HOT_EXTENT_MAX_AGE_MS: '2000',
      });
    const first = ZtsdbProcess.start(['ingestor'], env('first'));
    const extents = new HotExtents(nc, 2000);
    extents.start();
    const client = new HotClient(nc, 5000, extents);
    const js = jetstream(nc, { timeout: 5000 });
    let seq = 0n;
    const producerId = BigInt(Math.floor(Math.random() * 2 ** 48));
    const publish = async (p: number, ids: bigint[], t: number, v: number): Promise<void> => {
      const header = { partition: p, producerId, sequence: seq++ };
      const ts = ids.map(() => t);
      const vs = ids.map(() => v);
      await js.publish(samplesSubject(p), encodeSampleBatch(header, ids, ts, vs), {
        msgID: sampleBatchMsgId(header),
      });
    };
    try {
      await waitFor(
        async () => servingCount(first) === PARTITIONS,
        'the owner to serve',
        20_000,
        50,
      );
      await waitFor(
        async () => [...series.keys()].every((p) => extents.holdsNothing(p, OLD.start, OLD.end)),
        'every owner to announce its (empty) extent',
        10_000,
        20,
      );

      // Recent points: queries over them ask; queries over the old range do not.
      for (const [p, ids] of series) await publish(p, ids, T0, 1);
      await waitFor(
        async () => points(await client.fetch(all, T0 - 1000, T0 + 1000)).length === 8,
        'the recent points to be hot',
        10_000,
        20,
      );
      const skippedBefore = client.skipped;
      const old = await client.fetch(all, OLD.start, OLD.end);
      expect(old).toEqual({ series: [], missing: [] });
      expect(client.skipped - skippedBefore).toBe(series.size);

      // A backfill into the old range. Once its owner answers with it (asked directly), the
      // widened extent reached this connection first (published before the point could be
      // read, on the same connection as the reply): the next query asks and sees it.
      const [bp, bids] = [...series].find(([, ids]) => ids.length > 0)!;
      const backfillT = OLD.start + 30 * 60_000;
      await publish(bp, [bids[0]!], backfillT, 42);
      await waitFor(
        async () =>
          ((await queryHot(nc, new Map([[bp, [bids[0]!]]]))).get(bids[0]!) ?? []).some(
            ([t]) => t === backfillT,
          ),
        'the owner to hold the backfilled point',
        10_000,
        20,
      );
      const skipped = client.skipped;
      const withBackfill = await client.fetch(all, OLD.start, OLD.end);
      expect(points(withBackfill)).toEqual([[bids[0]!, backfillT, 42]]);
      expect(client.skipped - skipped).toBe(series.size - 1); // the backfilled partition asked

      // Handover to another replica: the old owner says it stopped, the new one announces
      // before it answers; the backfilled point is the new owner's and is still found.
      const second = ZtsdbProcess.start(['ingestor'], env('second'));
      await first.stop('SIGTERM');
      await waitFor(
        async () => servingCount(second) === PARTITIONS,
        'the new owner to serve',
        30_000,
        50,
      );
      await waitFor(
        async () => points(await client.fetch(all, OLD.start, OLD.end)).length === 1,
        'the new owner to answer the backfilled point',
        10_000,
        20,
      );
      expect(points(await client.fetch(all, OLD.start, OLD.end))).toEqual([
        [bids[0]!, backfillT, 42],
      ]);
      expect(points(await client.fetch(all, T0 - 1000, T0 + 1000))).toHaveLength(8);

      // A killed owner falls silent (no "stopped"): once its announcements are older than the
      // max age, queries ask again, and report that no one answered.
      await second.stop('SIGKILL');
      await waitFor(
        async () => [...series.keys()].every((p) => !extents.holdsNothing(p, OLD.start, OLD.end)),
        'the silent owner to be no longer trusted',
        10_000,
        50,
      );
      const afterKill = await client.fetch(all, OLD.start, OLD.end);
      expect(afterKill.missing.map((m) => m.partition)).toEqual([...series.keys()].sort());
    } finally {
      extents.stop();
      client.close();
    }
  });
});
