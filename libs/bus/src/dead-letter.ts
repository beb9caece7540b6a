import { headers, type NatsConnection } from '@nats-io/transport-node';
import { dlqSubject, HEADER_REASON, HEADER_SUBJECT } from './subjects';

/**
 * Sends bytes that could not be handled to `ztsdb.dlq.<kind>` with the reason in a header.
 * Never throws: a failing DLQ must not take the service down with it.
 */
export function publishDeadLetter(
  nc: NatsConnection,
  kind: string,
  data: Uint8Array,
  reason: string,
  fromSubject: string,
): void {
  try {
    const h = headers();
    // Header values must be one line.
    h.set(HEADER_REASON, reason.replace(/[\r\n]+/g, ' ').slice(0, 1000));
    h.set(HEADER_SUBJECT, fromSubject);
    nc.publish(dlqSubject(kind), data, { headers: h });
  } catch {
    // connection closed; nothing more to do
  }
}
