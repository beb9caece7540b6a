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

/**
 * Log lines for a problem that can repeat thousands of times a second (bad
 * messages, a full disk): the first line of a key is written at once, the
 * next ones at most once per `intervalMs`, each saying how many were held back
 * since the previous line. Held-back counts are also written out when the
 * interval ends, so the last burst is never silent.
 */
export class RepeatedWarnings {
  private readonly keys = new Map<string, { lastAt: number; held: number; line: string }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (line: string) => void,
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reports one occurrence of `key`; returns true when a line was written. */
  report(key: string, line: string): boolean {
    const t = this.now();
    const k = this.keys.get(key);
    if (k === undefined || t - k.lastAt >= this.intervalMs) {
      const held = k?.held ?? 0;
      this.keys.set(key, { lastAt: t, held: 0, line });
      this.write(held > 0 ? `${line} (${held} more like it since the last line)` : line);
      return true;
    }
    k.held++;
    k.line = line;
    this.arm();
    return false;
  }

  /** Writes the held-back counts whose interval has ended (called by the timer; tests call it). */
  flush(): void {
    const t = this.now();
    for (const [key, k] of this.keys) {
      if (t - k.lastAt < this.intervalMs) continue;
      if (k.held === 0) {
        this.keys.delete(key);
        continue;
      }
      this.write(`${k.line} (${k.held} more like it since the last line)`);
      k.lastAt = t;
      k.held = 0;
    }
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
      for (const k of this.keys.values()) if (k.held > 0) return this.arm();
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
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
