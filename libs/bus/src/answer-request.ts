import { createInbox, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { ACCEPT_PARTS_HEADER, AnswerAssembler } from '@ztsdb/wire';
import { inboxPrefixOf } from './nats-auth';

/**
 * Sends one request that accepts an answer in parts (answer-parts.ts) and
 * resolves with the whole answer's bytes. The timeout covers the whole
 * answer; when it runs out, the error says which parts did not come.
 */
export function requestAnswer(
  nc: NatsConnection,
  subject: string,
  body: string | Uint8Array,
  timeoutMs: number,
): Promise<Uint8Array> {
  // Under the connection's own prefix: with `ztsdb nats-config` the only inboxes a user may read.
  const inbox = createInbox(inboxPrefixOf(nc));
  const asm = new AnswerAssembler();
  return new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, answer?: Uint8Array): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sub.unsubscribe();
      if (err) reject(err);
      else resolve(answer!);
    };
    const sub = nc.subscribe(inbox, {
      callback: (err, msg) => {
        if (err) return finish(err);
        if (msg.data.length === 0 && msg.headers?.code === 503)
          return finish(new Error(`no responders on ${subject}`));
        try {
          if (asm.add(msg.data, msg.headers)) finish(undefined, asm.result());
        } catch (e) {
          finish(e as Error);
        }
      },
    });
    const timer = setTimeout(() => {
      const exp = asm.expected;
      finish(
        new Error(
          exp === undefined
            ? `timeout: no answer on ${subject} within ${timeoutMs} ms`
            : `timeout: ${exp - asm.received} of ${exp} answer parts not received within ${timeoutMs} ms (missing parts ${asm
                .missingParts()
                .slice(0, 10)
                .map((i) => i + 1)
                .join(', ')})`,
        ),
      );
    }, timeoutMs);
    try {
      const h = natsHeaders();
      h.set(ACCEPT_PARTS_HEADER, '1');
      nc.publish(subject, body, { reply: inbox, headers: h });
    } catch (e) {
      finish(e as Error);
    }
  });
}
