import { randomBytes } from 'node:crypto';
import { samplesSubject } from '@ztsdb/bus';
import {
  encodeSampleBatch,
  encodeSampleBatchV2,
  encodeSampleBatchV3,
  sampleBatchByteLength,
  sampleBatchMsgId,
  type SampleBatchHeader,
  type SampleBatchVersion,
} from '@ztsdb/wire';
import type { OutgoingBatch } from './batch-publisher';
import type { PartitionColumns } from './partition-groups';

/**
 * Encodes columns as sample batches of one producer: a random 64-bit producer id and a
 * sequence that grows by one per batch, which together with the partition make the
 * `Nats-Msg-Id` (DESIGN.md, "The bus").
 */
export class BatchBuilder {
  readonly producerId = randomBytes(8).readBigUInt64LE();
  private sequence = 0n;

  /**
   * `version` (docs/format/sample-batch.md): 3 sends each series and tick once per batch with
   * no index per point when the points repeat one series order per tick (an import, a scrape)
   * or come in runs of one series (remote write), and values XORed with the series' previous
   * one; 2 sends each distinct series and timestamp once and a u16 index of each per point (a
   * batch it cannot index, more than 65,535 of either, goes as version 1); 1 is 24 bytes a
   * point. Versions below 3 are for ingestors that do not read version 3 yet.
   */
  constructor(private readonly version: SampleBatchVersion = 3) {}

  build(cols: PartitionColumns): OutgoingBatch {
    const header = {
      partition: cols.partition,
      producerId: this.producerId,
      sequence: this.sequence++,
    };
    return {
      subject: samplesSubject(cols.partition),
      msgId: sampleBatchMsgId(header),
      data: this.encode(header, cols),
      points: cols.count,
    };
  }

  private encode(header: SampleBatchHeader, cols: PartitionColumns): Uint8Array {
    const { ids, timestamps, values, count } = cols;
    if (this.version === 3) {
      // Points in no order at all (ids and timestamps repeating at random) can take more than
      // version 1's 24 bytes a point; version 1 then, which also keeps a batch within the
      // max_payload its size was chosen for.
      const v3 = encodeSampleBatchV3(header, ids, timestamps, values, count);
      if (v3.length <= sampleBatchByteLength(count)) return v3;
    }
    return (
      (this.version === 2
        ? encodeSampleBatchV2(header, ids, timestamps, values, count)
        : undefined) ?? encodeSampleBatch(header, ids, timestamps, values, count)
    );
  }
}
