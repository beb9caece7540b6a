import { headers, type NatsConnection } from '@nats-io/transport-node';
import { RepeatedWarnings } from './repeated-warnings';
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

/**
 * Dead letters of one kind: each bad message goes to `ztsdb.dlq.<kind>` and is
 * counted by reason; the log gets one line per reason per interval (RepeatedWarnings).
 */
export class DeadLetterReporter {
  readonly counts = new Map<string, number>();
  private readonly warnings: RepeatedWarnings;

  constructor(
    private readonly nc: NatsConnection,
    readonly kind: string,
    warn: (line: string) => void,
    intervalMs: number,
  ) {
    this.warnings = new RepeatedWarnings(warn, intervalMs);
  }

  /** `code` is the reason's stable code (the metric label); `detail` says what was wrong with this message. */
  report(code: string, detail: string, data: Uint8Array, fromSubject: string, what: string): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    publishDeadLetter(this.nc, this.kind, data, `${code}: ${detail}`, fromSubject);
    this.warnings.report(code, `${what} sent to the DLQ: ${code}: ${detail}`);
  }

  stop(): void {
    this.warnings.stop();
  }
}
