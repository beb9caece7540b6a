import { randomBytes } from 'node:crypto';
import { samplesSubject } from '@ztsdb/bus';
import { encodeSampleBatch, sampleBatchMsgId } from '@ztsdb/wire';
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

  build(cols: PartitionColumns): OutgoingBatch {
    const header = {
      partition: cols.partition,
      producerId: this.producerId,
      sequence: this.sequence++,
    };
    return {
      subject: samplesSubject(cols.partition),
      msgId: sampleBatchMsgId(header),
      data: encodeSampleBatch(header, cols.ids, cols.timestamps, cols.values, cols.count),
      points: cols.count,
    };
  }
}
