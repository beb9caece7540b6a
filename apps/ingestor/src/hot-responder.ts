import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { HotReplyServer, type HotQuery } from './hot-reply-server';

export { HOT_ERROR_HEADER, HOT_MAX_SERIES, parseHotRequest } from './hot-reply-server';
export type { HotQuery, HotRequest } from './hot-reply-server';

/** The ingestor's answerer of `ztsdb.hot.p.<n>` (see HotReplyServer), logging bad requests. */
export class HotResponder extends HotReplyServer {
  constructor(nc: NatsConnection, partition: number, query: HotQuery) {
    const log = new Logger('ingestor');
    super(nc, partition, query, (reason) =>
      log.warn(`partition ${partition}: bad hot request: ${reason}`),
    );
  }
}
