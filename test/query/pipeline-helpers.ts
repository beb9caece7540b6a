import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { encodeChunk } from '@ztsdb/chunkenc';
import { chunksSubject, type Topology } from '@ztsdb/bus';
import { encodeSeriesEntry, partitionOf, seriesId, seriesKey, type Labels } from '@ztsdb/model';
import { chunkMessageId, encodeChunkMessage } from '@ztsdb/wire';

/** Registers a series in KV ztsdb_series as a producer does. */
export async function registerSeries(t: Topology, name: string, labels: Labels): Promise<bigint> {
  const id = seriesId(name);
  await t.series.put(
    seriesKey(id),
    encodeSeriesEntry({ id: seriesKey(id), name, labels, active: true, updatedMs: Date.now() }),
  );
  return id;
}

/** Publishes points [from, to) of a series as sealed chunks of `perChunk` points, as an ingestor seals them. */
export async function publishChunks(
  nc: NatsConnection,
  partitions: number,
  id: bigint,
  ts: Float64Array,
  vs: Float64Array,
  from: number,
  to: number,
  perChunk: number,
): Promise<number> {
  const js = jetstream(nc);
  const partition = partitionOf(id, partitions);
  let n = 0;
  for (let i = from; i < to; i += perChunk) {
    const j = Math.min(to, i + perChunk);
    const m = {
      partition,
      seriesId: id,
      minT: ts[i]!,
      maxT: ts[j - 1]!,
      count: j - i,
      chunk: encodeChunk(ts, vs, i, j),
    };
    await js.publish(chunksSubject(partition), encodeChunkMessage(m), { msgID: chunkMessageId(m) });
    n++;
  }
  return n;
}
