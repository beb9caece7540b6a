/**
 * A staleness marker (Prometheus's signalling NaN 0x7ff0000000000002) keeps its exact bits on
 * every path a sample takes: the collector's columns, the sample batch wire format, the
 * ingestor's head and WAL (across a reopen), sealed chunks in warm files, cold columnar files,
 * hot replies, and the query service's latest-write-wins merge and decoded cache. A signalling NaN is easily
 * quietened (V8 does so when it passes through a plain array), so each step compares bits.
 */
import { STALE_MARKER, staleMarkerColumns } from '../../apps/collector/src/staleness-markers';
import { DecodedCache } from '../../apps/query/src/decoded-cache';
import { STALE_NAN, isStaleNaN } from '@ztsdb/promql';
import { tempDir } from '@ztsdb/testing';
import { Engine, mergeLatestWins, type VersionedPoints } from '@ztsdb/tsdb';
import { decodeHotReply, decodeSampleBatch, encodeHotReply, encodeSampleBatch } from '@ztsdb/wire';

const STALE_BITS = 0x7ff0000000000002n;
const bitsOf = (a: Float64Array): bigint[] =>
  Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length));
const BASE = 1_700_000_000_000;

/** Ten samples of a series, then its marker. */
function series(): { timestamps: Float64Array; values: Float64Array } {
  const timestamps = Float64Array.from({ length: 11 }, (_, i) => BASE + i * 1000);
  const values = Float64Array.from({ length: 11 }, (_, i) => i * 1.5);
  values[10] = STALE_MARKER;
  return { timestamps, values };
}

it('the collector writes the marker with its exact bits, one per gone series, just after the tick', () => {
  expect(bitsOf(new Float64Array([STALE_NAN]))).not.toEqual([STALE_BITS]); // a plain array quietens it
  const ref = (id: bigint, partition: number) => ({ name: `s${id}`, id, partition, metric: 'm' });
  const cols = staleMarkerColumns([ref(1n, 0), ref(2n, 1), ref(3n, 0)], BASE);
  expect(cols.map((c) => [c.partition, Array.from(c.ids)])).toEqual([
    [0, [1n, 3n]],
    [1, [2n]],
  ]);
  for (const c of cols) {
    expect(bitsOf(c.values)).toEqual(Array(c.count).fill(STALE_BITS));
    // Just after the tick, whose batch may carry the container's last reading.
    expect(Array.from(c.timestamps)).toEqual(Array(c.count).fill(BASE + 1));
  }
  expect(isStaleNaN(STALE_MARKER)).toBe(true);
});

it('survives the sample batch and hot reply wire formats', () => {
  const s = series();
  const ids = new BigUint64Array(11).fill(7n);
  const batch = decodeSampleBatch(
    encodeSampleBatch({ partition: 0, producerId: 1n, sequence: 0n }, ids, s.timestamps, s.values),
  );
  expect(bitsOf(batch.values)).toEqual(bitsOf(s.values));
  const reply = decodeHotReply(encodeHotReply({ partition: 0, series: [{ id: 7n, ...s }] }));
  expect(bitsOf(reply.series[0]!.values)).toEqual(bitsOf(s.values));
  const merged = mergeLatestWins([
    { timestamps: s.timestamps.slice(0, 6), values: s.values.slice(0, 6), version: 1 },
    { timestamps: s.timestamps.slice(4), values: s.values.slice(4), version: 2 },
  ]);
  expect(bitsOf(merged.values)).toEqual(bitsOf(s.values));
});

it("survives the query service's decoded cache, whole and clipped", () => {
  const s = series();
  const cache = new DecodedCache(1 << 20);
  // A view into a larger buffer, as a reader may give: the cache copies it into its own.
  const wide = new Float64Array(20);
  wide.set(s.values, 5);
  const values = wide.subarray(5, 16);
  cache.put(
    'warm/p0/x',
    7n,
    -Infinity,
    Infinity,
    [{ timestamps: s.timestamps, values, version: 1 }],
    [],
  );
  wide.fill(0);
  const whole: VersionedPoints[] = [];
  expect(cache.read('warm/p0/x', 7n, BASE, BASE + 60_000, whole, () => undefined)).toBe(true);
  expect(bitsOf(whole[0]!.values)).toEqual(bitsOf(s.values));
  const tail: VersionedPoints[] = [];
  cache.read('warm/p0/x', 7n, BASE + 9000, BASE + 60_000, tail, () => undefined);
  expect(bitsOf(tail[0]!.values)).toEqual(bitsOf(s.values.slice(9)));
});

it('survives the head, the WAL across a reopen, warm files and cold files', async () => {
  const dir = tempDir('ztsdb-stale-bits-');
  const opts = {
    dir: dir.path,
    partitions: 1,
    outOfOrderWindowMs: 60_000,
    maxChunkAgeMs: 120_000,
    oooCapacity: 8,
    coldWindowMs: 600_000,
    coldBlockPoints: 16,
  };
  const s = series();
  const want = bitsOf(s.values);
  const id = 42n;
  const read = (e: Engine): bigint[] => bitsOf(e.query(id, BASE, BASE + 60_000).values);
  let engine = await Engine.open(opts);
  try {
    for (let i = 0; i < 11; i++)
      while (!engine.insert(id, s.timestamps[i]!, s.values[i]!)) engine.drain();
    engine.drain();
    expect(read(engine)).toEqual(want); // head
    await engine.flush();
    await engine.close();
    engine = await Engine.open(opts);
    expect(read(engine)).toEqual(want); // replayed from the WAL
    engine.sealByAge(BASE + 3_600_000);
    expect((await engine.compactToWarm()).length).toBeGreaterThan(0);
    expect(read(engine)).toEqual(want); // warm
    expect((await engine.compactToCold()).length).toBeGreaterThan(0);
    expect(read(engine)).toEqual(want); // cold
  } finally {
    await engine.close();
    dir.remove();
  }
});
