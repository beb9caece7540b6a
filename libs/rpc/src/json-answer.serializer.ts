import type { Serializer } from '@nestjs/microservices';

/** What Nest hands the server's serializer for each reply. */
export interface OutgoingAnswer {
  response?: unknown;
  err?: unknown;
}

/**
 * Server side: the handler's answer goes out as it is, JSON with no Nest
 * envelope (`{id, response, isDisposed}`), so `nats req` prints the answer
 * itself. Bytes and strings are taken as ready JSON; anything else is
 * stringified. A failure Nest caught outside the handler becomes the service's
 * error answer (`errorAnswer`).
 */
export class JsonAnswerSerializer implements Serializer<OutgoingAnswer, Uint8Array> {
  constructor(private readonly errorAnswer: (e: unknown) => Uint8Array) {}

  serialize(packet: OutgoingAnswer): Uint8Array {
    if (packet.err !== undefined) return this.errorAnswer(packet.err);
    const r = packet.response;
    if (r instanceof Uint8Array) return r;
    return Buffer.from(typeof r === 'string' ? r : JSON.stringify(r ?? null));
  }
}
