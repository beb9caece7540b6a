import type { ConsumerDeserializer, IncomingEvent, IncomingRequest } from '@nestjs/microservices';
import type { Msg } from '@nats-io/transport-node';

/** A request body that is not JSON; the handler answers it with its own error. */
export class MalformedJson {
  constructor(readonly message: string) {}
}

/**
 * Server side: a request is the message's JSON as it is (no Nest envelope),
 * so `nats req <subject> '{…}'` reaches the handler. The pattern is the
 * subscribed subject; the id is the reply subject (none: an event). A body
 * that does not parse reaches the handler as a MalformedJson, so it can answer
 * with its own error rather than leave the caller waiting.
 */
export class JsonRequestDeserializer implements ConsumerDeserializer {
  deserialize(
    msg: Msg,
    options?: { channel?: string; replyTo?: string },
  ): IncomingRequest | IncomingEvent {
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(msg.data).toString('utf8'));
    } catch (e) {
      data = new MalformedJson((e as Error).message);
    }
    const pattern = options?.channel ?? msg.subject;
    return msg.reply ? { pattern, data, id: msg.reply } : { pattern, data };
  }
}
