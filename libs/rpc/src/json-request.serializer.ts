import type { ReadPacket, Serializer } from '@nestjs/microservices';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { ACCEPT_PARTS_HEADER } from './answer-parts';

/**
 * Client side: the request's data goes out as plain JSON, what a user would
 * type after `nats req`, with the header that takes a large answer in parts.
 */
export class JsonRequestSerializer implements Serializer<
  ReadPacket,
  { data: Uint8Array; headers: MsgHdrs }
> {
  serialize(packet: ReadPacket): { data: Uint8Array; headers: MsgHdrs } {
    const d: unknown = packet.data;
    const data =
      d instanceof Uint8Array ? d : Buffer.from(typeof d === 'string' ? d : JSON.stringify(d));
    const headers = natsHeaders();
    headers.set(ACCEPT_PARTS_HEADER, '1');
    return { data, headers };
  }
}
