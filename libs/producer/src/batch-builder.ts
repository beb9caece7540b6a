import { randomBytes } from 'node:crypto';
import { samplesSubject } from '@ztsdb/bus';
import { encodeSampleBatch, encodeSampleBatchV2, sampleBatchMsgId } from '@ztsdb/wire';
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
   * `version` 2 (docs/format/sample-batch.md) sends each distinct series and timestamp once
   * per batch, about half the bytes of version 1 on the bus and in the ingestors' WAL; a batch
   * it cannot index (more than 65,535 of either) goes as version 1. Version 1 is for
   * ingestors older than version 2.
   */
  constructor(private readonly version: 1 | 2 = 2) {}

  build(cols: PartitionColumns): OutgoingBatch {
    const header = {
      partition: cols.partition,
      producerId: this.producerId,
      sequence: this.sequence++,
    };
    return {
      subject: samplesSubject(cols.partition),
      msgId: sampleBatchMsgId(header),
      data:
        (this.version === 2
          ? encodeSampleBatchV2(header, cols.ids, cols.timestamps, cols.values, cols.count)
          : undefined) ??
        encodeSampleBatch(header, cols.ids, cols.timestamps, cols.values, cols.count),
      points: cols.count,
    };
  }
}
