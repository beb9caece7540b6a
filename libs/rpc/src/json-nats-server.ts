import { ServerNats, type NatsContext } from '@nestjs/microservices';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { ZtsdbError } from '@ztsdb/errors';
import { ACCEPT_PARTS_HEADER, splitAnswer } from './answer-parts';
import { JsonAnswerSerializer, type OutgoingAnswer } from './json-answer.serializer';
import { JsonRequestDeserializer } from './json-request.deserializer';
import { RPC_ERROR_CODES } from './errors';

/** max_payload assumed when the server did not say (nats-server's default). */
const DEFAULT_MAX_PAYLOAD = 1 << 20;

export interface JsonNatsServerOptions {
  /** The service's own connection (already authenticated, reconnecting, watched); the server borrows it. */
  connection: () => NatsConnection;
  /** Queue group of every `@MessagePattern` (one member of the group answers each request). */
  queue: string;
  /** The body of an error answer, `{"error", "code", …}` as the service writes it. */
  errorAnswer: (e: unknown) => Uint8Array;
  /** What a refused large answer tells the caller to do, after the size and the limit. */
  tooLargeHint: string;
}

/**
 * Nest's NATS transport for request-reply with plain JSON on the wire
 * (JsonRequestDeserializer, JsonAnswerSerializer), so `nats req` talks to a
 * `@MessagePattern` as to any responder. Beyond ServerNats it:
 * - borrows the service's connection instead of opening a second one (same
 *   credentials, same permissions; the service closes it);
 * - sends an answer over the server's max_payload in parts (answer-parts.ts)
 *   when the request carries `Ztsdb-Accept-Parts`, and refuses it with
 *   `ZTSDB_TOO_LARGE` otherwise — one Nest reply, several NATS messages, which
 *   ServerNats' one-message publisher cannot do;
 * - sends nothing for the bare end-of-stream packet Nest emits after an
 *   answer that already left, so every request gets exactly one answer.
 */
export class JsonNatsServer extends ServerNats {
  private readonly own: JsonNatsServerOptions;
  private nc: NatsConnection | undefined;
  private subs: Subscription[] = [];

  constructor(options: JsonNatsServerOptions) {
    super({
      queue: options.queue,
      serializer: new JsonAnswerSerializer(options.errorAnswer),
      deserializer: new JsonRequestDeserializer(),
    });
    this.own = options;
  }

  override async createNatsClient(): Promise<NatsConnection> {
    this.nc = this.own.connection();
    return this.nc;
  }

  /** The connection's owner watches and logs its status. */
  override async handleStatusUpdates(): Promise<void> {}

  override bindEvents(client: NatsConnection): void {
    for (const [channel, handler] of this.getHandlers()) {
      const queue = (handler.extras?.queue as string | undefined) ?? this.own.queue;
      this.subs.push(
        client.subscribe(channel, {
          queue,
          callback: this.getMessageHandler(channel).bind(this) as (
            err: Error | null,
            msg: Msg,
          ) => void,
        }),
      );
    }
  }

  override getPublisher(
    msg: Msg,
    _id: string,
    _ctx: NatsContext,
  ): (packet: OutgoingAnswer) => void {
    if (!msg.reply) return () => undefined;
    return (packet) => {
      if (packet.response === undefined && packet.err === undefined) return;
      this.respond(msg, (this.serializer as JsonAnswerSerializer).serialize(packet));
    };
  }

  private respond(msg: Msg, body: Uint8Array): void {
    const max = this.nc?.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    if (body.length <= max) {
      msg.respond(body);
      return;
    }
    if (!msg.headers?.has(ACCEPT_PARTS_HEADER)) {
      msg.respond(
        this.own.errorAnswer(
          new ZtsdbError(
            RPC_ERROR_CODES.tooLarge,
            `the answer is ${body.length} bytes, over the NATS server's max_payload of ${max}; ` +
              `${this.own.tooLargeHint}, and so does a request with the header ${ACCEPT_PARTS_HEADER}: 1`,
          ),
        ),
      );
      return;
    }
    let parts;
    try {
      parts = splitAnswer(body, max);
    } catch (e) {
      msg.respond(this.own.errorAnswer(e));
      return;
    }
    for (const p of parts) msg.respond(p.data, { headers: p.headers });
  }

  /** Stops answering; the connection stays with its owner. */
  override async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
    this.nc = undefined;
  }
}
