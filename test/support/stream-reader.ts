import { AckPolicy, DeliverPolicy, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAM_SAMPLES } from '@ztsdb/bus';
import { decodeSampleBatch, type SampleBatch } from '@ztsdb/wire';

/** Every decodable batch stored in the samples stream right now (what JetStream acknowledged). */
export async function readSampleStream(
  nc: NatsConnection,
): Promise<Array<SampleBatch & { streamSeq: number }>> {
  const jsm = await jetstreamManager(nc);
  const last = (await jsm.streams.info(STREAM_SAMPLES)).state.last_seq;
  const ci = await jsm.consumers.add(STREAM_SAMPLES, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    inactive_threshold: 30_000_000_000,
    mem_storage: true,
  });
  const consumer = await jsm.jetstream().consumers.get(STREAM_SAMPLES, ci.name);
  const out: Array<SampleBatch & { streamSeq: number }> = [];
  try {
    let seen = 0;
    while (seen < last) {
      const batch = await consumer.fetch({ max_messages: 1000, expires: 2000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        seen = m.seq;
        try {
          out.push({ ...decodeSampleBatch(m.data), streamSeq: m.seq });
        } catch {
          // not a batch (the tests publish garbage on purpose)
        }
        if (m.seq >= last) break;
      }
      if (got === 0) break;
    }
  } finally {
    await jsm.consumers.delete(STREAM_SAMPLES, ci.name).catch(() => undefined);
  }
  return out;
}

/** Points of one series across batches, sorted by time, one per timestamp (the last write wins). */
export function pointsOf(batches: SampleBatch[], id: bigint): Array<[number, number]> {
  const byTime = new Map<number, number>();
  for (const b of batches)
    for (let i = 0; i < b.count; i++)
      if (b.seriesIds[i] === id) byTime.set(b.timestamps[i]!, b.values[i]!);
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]);
}
