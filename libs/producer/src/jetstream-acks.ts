import type { PubAck } from '@nats-io/jetstream';
import {
  createInbox,
  headers,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
import { inboxPrefixOf } from '@ztsdb/bus';
import type { JetStreamPublish } from './batch-publisher';

/** JetStream refused a message (its API error), or nothing listens on the subject. */
export class JetStreamPublishError extends Error {
  constructor(
    message: string,
    /** The API error code (503: no stream or no responders). */
    readonly code: number,
    /** JetStream's own error number (`err_code`: 10071 = wrong last sequence), 0 if none. */
    readonly apiCode = 0,
  ) {
    super(message);
  }
}

/** A publish's options: `jetstream(nc).publish`'s that the producers use. */
export interface AckedPublishOptions {
  /** `Nats-Msg-Id`: a message published again under it is stored once. */
  msgID?: string;
  timeout: number;
  /** Stored only if the subject's last message has this sequence (0: the subject is empty). */
  expectLastSubjectSequence?: number;
}

interface Waiting {
  resolve: (ack: PubAck) => void;
  reject: (e: Error) => void;
  subject: string;
  deadline: number;
}

/**
 * JetStream publishes with `Nats-Msg-Id`, acknowledged through one wildcard inbox of its own:
 * what `jetstream(nc).publish` does, without its per-message request object, timer and the
 * `Error` its clean-up makes for every message (capturing a stack: about 4 % of the receiver's
 * CPU at 500 k samples/s). Deadlines are checked by one timer while anything waits; a message
 * whose acknowledgement is late is answered with a timeout, and the publisher retries it under
 * the same `Nats-Msg-Id`, so JetStream stores it once.
 */
export class JetStreamAcks implements JetStreamPublish {
  private readonly prefix: string;
  private readonly sub: Subscription;
  private readonly waiting = new Map<number, Waiting>();
  private next = 1;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    /** How often late acknowledgements are looked for. */
    private readonly sweepMs = 100,
  ) {
    // The connection's own prefix: a deployment's permissions allow replies only there.
    this.prefix = `${createInbox(inboxPrefixOf(nc))}.`;
    this.sub = nc.subscribe(`${this.prefix}*`, { callback: (err, msg) => this.answer(err, msg) });
  }

  /** Acknowledgements outstanding. */
  get pending(): number {
    return this.waiting.size;
  }

  publish(subject: string, data: Uint8Array, opts: AckedPublishOptions): Promise<PubAck> {
    if (this.closed) return Promise.reject(new Error('the JetStream publisher is closed'));
    const token = this.next++;
    const h = headers();
    if (opts.msgID !== undefined) h.set('Nats-Msg-Id', opts.msgID);
    if (opts.expectLastSubjectSequence !== undefined)
      h.set('Nats-Expected-Last-Subject-Sequence', String(opts.expectLastSubjectSequence));
    try {
      this.nc.publish(subject, data, { reply: this.prefix + token, headers: h });
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return new Promise<PubAck>((resolve, reject) => {
      this.waiting.set(token, { resolve, reject, subject, deadline: Date.now() + opts.timeout });
      this.timer ??= setInterval(() => this.sweep(), this.sweepMs).unref();
    });
  }

  private answer(err: Error | null, msg: Msg): void {
    if (err) return; // the subscription ends only with the connection: waiting ones time out
    const token = Number(msg.subject.slice(this.prefix.length));
    const w = this.waiting.get(token);
    if (!w) return; // timed out already
    this.waiting.delete(token);
    if (msg.data.length === 0) {
      const code = msg.headers?.code ?? 0;
      w.reject(
        new JetStreamPublishError(
          code === 503
            ? `no JetStream stream answers on ${w.subject} (no responders)`
            : `empty answer to a publish on ${w.subject} (status ${code})`,
          code,
        ),
      );
      return;
    }
    let ack: {
      stream?: string;
      seq?: number;
      duplicate?: boolean;
      error?: { code?: number; err_code?: number; description?: string };
    };
    try {
      ack = JSON.parse(msg.string()) as typeof ack;
    } catch (e) {
      w.reject(
        new Error(`unreadable JetStream acknowledgement on ${w.subject}: ${(e as Error).message}`),
      );
      return;
    }
    if (ack.error)
      w.reject(
        new JetStreamPublishError(
          `JetStream refused a message on ${w.subject}: ${ack.error.description ?? 'no reason given'}`,
          ack.error.code ?? 0,
          ack.error.err_code ?? 0,
        ),
      );
    else if (!ack.stream || typeof ack.seq !== 'number')
      w.reject(new Error(`invalid JetStream acknowledgement on ${w.subject}`));
    else w.resolve({ stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate === true });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, w] of this.waiting)
      if (w.deadline <= now) {
        this.waiting.delete(token);
        w.reject(new Error(`no JetStream acknowledgement for a message on ${w.subject} (timeout)`));
      }
    if (this.waiting.size === 0) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops listening; whatever waits is refused. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    this.sub.unsubscribe();
    for (const w of this.waiting.values()) w.reject(new Error('the JetStream publisher is closed'));
    this.waiting.clear();
  }
}

/** JetStream's answer to a publish whose expected last subject sequence is not the subject's. */
const WRONG_LAST_SEQUENCE = 10071;

/**
 * `kv.create` of bucket `bucket` (one with the default `$KV.<bucket>.` subjects) through `acks`:
 * the entry is stored only if its key holds nothing; 'exists' when it holds something (a value,
 * or a delete marker: the caller reads the key to tell them apart).
 */
export function kvCreate(
  acks: JetStreamAcks,
  bucket: string,
  timeoutMs = 30_000,
): (key: string, value: Uint8Array) => Promise<'created' | 'exists'> {
  const prefix = `$KV.${bucket}.`;
  return (key, value) =>
    acks
      .publish(prefix + key, value, {
        timeout: timeoutMs,
        expectLastSubjectSequence: 0,
      })
      .then(
        () => 'created' as const,
        (e: unknown) => {
          if (e instanceof JetStreamPublishError && e.apiCode === WRONG_LAST_SEQUENCE)
            return 'exists' as const;
          throw e;
        },
      );
}
