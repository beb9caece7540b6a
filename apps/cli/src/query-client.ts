import type { NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom } from 'rxjs';
import { SUBJECT_QUERY } from '@ztsdb/bus';
import { JsonNatsClient, type JsonAnswer } from '@ztsdb/rpc';

/**
 * Asks `ztsdb.query` through Nest's NATS client (JsonNatsClient over the
 * command's connection): the body as plain JSON, the answer whole, joined from
 * parts when it is larger than the server's max_payload. `timeoutMs` covers
 * the whole answer.
 */
export async function requestQuery(
  nc: NatsConnection,
  body: Record<string, unknown>,
  timeoutMs: number,
): Promise<JsonAnswer> {
  const client = new JsonNatsClient({ connection: nc, timeoutMs });
  try {
    return await lastValueFrom(client.send<JsonAnswer>(SUBJECT_QUERY, body));
  } finally {
    await client.close();
  }
}
