import {
  ClientNats,
  type PacketId,
  type ReadPacket,
  type WritePacket,
} from '@nestjs/microservices';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { inboxPrefixOf } from '@ztsdb/bus';
import { AnswerAssembler } from './answer-parts';
import { JsonAnswerDeserializer } from './json-answer.deserializer';
import { JsonRequestSerializer } from './json-request.serializer';

export interface JsonNatsClientOptions {
  /** An open connection to ask through; the client borrows it and never closes it. */
  connection: NatsConnection;
  /** How long the whole answer (every part of it) may take. */
  timeoutMs: number;
}

/**
 * Nest's NATS client for JsonNatsServer's subjects: `send(subject, body)`
 * publishes the body as plain JSON with `Ztsdb-Accept-Parts: 1` and emits one
 * JsonAnswer, joined from its parts when the answer was larger than the
 * server's max_payload. Beyond ClientNats it borrows an open connection (its
 * inboxes under that connection's prefix, the only ones a `ztsdb nats-config`
 * user may read), gathers parts, says "no responders on <subject>" when nobody
 * serves the subject, and times out on the whole answer, naming the parts that
 * did not come.
 */
export class JsonNatsClient extends ClientNats {
  private readonly borrowed: NatsConnection;
  private readonly timeoutMs: number;
  private readonly assemblers = new Map<string, AnswerAssembler>();

  constructor(options: JsonNatsClientOptions) {
    super({
      inboxPrefix: inboxPrefixOf(options.connection),
      serializer: new JsonRequestSerializer(),
      deserializer: new JsonAnswerDeserializer(),
    });
    this.borrowed = options.connection;
    this.timeoutMs = options.timeoutMs;
  }

  override async createClient(): Promise<NatsConnection> {
    return this.borrowed;
  }

  /** The connection's owner watches its status. */
  override async handleStatusUpdates(): Promise<void> {}

  /** Fails what is still waiting; the borrowed connection stays open. */
  override async close(): Promise<void> {
    this.handleClose();
    this.natsClient = null;
    this.connectionPromise = null;
  }

  override createSubscriptionHandler(
    packet: ReadPacket & PacketId,
    callback: (packet: WritePacket) => unknown,
  ): (error: Error | null, natsMsg: Record<string, unknown>) => Promise<unknown> {
    const subject = this.normalizePattern(packet.pattern);
    const asm = new AnswerAssembler();
    this.assemblers.set(packet.id, asm);
    return async (error, natsMsg) => {
      const msg = natsMsg as unknown as Msg;
      if (error) return callback({ err: error, isDisposed: true });
      if (msg.data.length === 0 && msg.headers?.code === 503)
        return callback({ err: new Error(`no responders on ${subject}`), isDisposed: true });
      try {
        if (!asm.add(msg.data, msg.headers)) return undefined;
        return callback(
          await (this.deserializer as JsonAnswerDeserializer).deserialize(asm.result(), {
            subject,
          }),
        );
      } catch (e) {
        return callback({ err: e, isDisposed: true });
      }
    };
  }

  protected override publish(
    packet: ReadPacket,
    callback: (packet: WritePacket) => unknown,
  ): () => void {
    const dispose = super.publish(packet, callback);
    // super.publish gave the packet its id and made its assembler.
    const id = (packet as ReadPacket & PacketId).id;
    const subject = this.normalizePattern(packet.pattern);
    const timer = setTimeout(() => {
      const asm = this.assemblers.get(id);
      const exp = asm?.expected;
      callback({
        err: new Error(
          exp === undefined || asm === undefined
            ? `timeout: no answer on ${subject} within ${this.timeoutMs} ms`
            : `timeout: ${exp - asm.received} of ${exp} answer parts not received within ${this.timeoutMs} ms (missing parts ${asm
                .missingParts()
                .slice(0, 10)
                .map((i) => i + 1)
                .join(', ')})`,
        ),
        isDisposed: true,
      });
    }, this.timeoutMs);
    return () => {
      clearTimeout(timer);
      this.assemblers.delete(id);
      dispose();
    };
  }
}
