import type { NatsConnection } from '@nats-io/transport-node';
import { hotSubject } from '@ztsdb/bus';
import { seriesKey } from '@ztsdb/model';
import { decodeHotReply, type SeriesPoints } from '@ztsdb/wire';

export interface HotAnswer {
  series: SeriesPoints[];
  /** Partitions whose owner did not answer in time, with the reason. */
  missing: Array<{ partition: number; reason: string }>;
}

const HOT_ERROR_HEADER = 'Ztsdb-Error';

/** Asks partition owners for their hot points over `ztsdb.hot.p.<n>`. */
export class HotClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {}

  async fetch(byPartition: Map<number, bigint[]>, start: number, end: number): Promise<HotAnswer> {
    const answer: HotAnswer = { series: [], missing: [] };
    await Promise.all(
      [...byPartition].map(async ([partition, ids]) => {
        try {
          const body = JSON.stringify({ ids: ids.map(seriesKey), start, end });
          const reply = await this.nc.request(hotSubject(partition), body, { timeout: this.timeoutMs });
          const err = reply.headers?.get(HOT_ERROR_HEADER);
          if (err) throw new Error(err);
          answer.series.push(...decodeHotReply(reply.data).series);
        } catch (e) {
          const msg = (e as Error).message;
          const reason = /no responders/i.test(msg) ? 'no ingestor owns it' : /timeout/i.test(msg) ? `no answer within ${this.timeoutMs} ms` : msg;
          answer.missing.push({ partition, reason });
        }
      }),
    );
    answer.missing.sort((a, b) => a.partition - b.partition);
    return answer;
  }
}
