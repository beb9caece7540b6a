import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { crc32c } from '@ztsdb/checksum';
import { ZtsdbError } from '@ztsdb/errors';
import { RPC_ERROR_CODES } from './errors';

/**
 * A `ztsdb.query` answer larger than the server's max_payload goes out as
 * several messages, as hot replies do (docs/format/hot-reply.md): each part
 * names its index and the part count, the parts may arrive in any order, and
 * the receiver reports which are missing. Here a part is a plain slice of the
 * answer's JSON bytes, described by headers, so an answer that fits one
 * message stays plain JSON with no headers (what `nats req` shows).
 */

/** A request with this header (any value) takes an answer in parts; without it, a large answer is refused. */
export const ACCEPT_PARTS_HEADER = 'Ztsdb-Accept-Parts';
/** `<index from 0>/<count>` on every part. */
export const PART_HEADER = 'Ztsdb-Part';
/** Byte length of the whole answer, on every part. */
export const ANSWER_BYTES_HEADER = 'Ztsdb-Answer-Bytes';
/** CRC32C of the whole answer (decimal), on every part. */
export const ANSWER_CRC_HEADER = 'Ztsdb-Answer-Crc32c';
/** Bytes of each message kept for its headers (NATS counts them against max_payload). */
export const PART_HEADER_ROOM = 512;
/** Most parts one answer may be split into, as for hot replies. */
export const MAX_ANSWER_PARTS = 0xffff;

export interface AnswerPart {
  data: Uint8Array;
  headers: MsgHdrs;
}

/** Splits an answer into messages of at most `maxPayload` bytes, headers included. */
export function splitAnswer(answer: Uint8Array, maxPayload: number): AnswerPart[] {
  const room = maxPayload - PART_HEADER_ROOM;
  if (!(room >= 1)) throw new RangeError(`max_payload ${maxPayload} leaves no room for a part`);
  const count = Math.max(1, Math.ceil(answer.length / room));
  if (count > MAX_ANSWER_PARTS) {
    throw new ZtsdbError(
      RPC_ERROR_CODES.tooLarge,
      `the answer is ${answer.length} bytes, more than ${MAX_ANSWER_PARTS} parts of ${room} bytes; ask for less`,
    );
  }
  const crc = String(crc32c(answer, 0, answer.length));
  const parts: AnswerPart[] = [];
  for (let i = 0; i < count; i++) {
    const h = natsHeaders();
    h.set(PART_HEADER, `${i}/${count}`);
    h.set(ANSWER_BYTES_HEADER, String(answer.length));
    h.set(ANSWER_CRC_HEADER, crc);
    parts.push({
      data: answer.subarray(i * room, Math.min(answer.length, (i + 1) * room)),
      headers: h,
    });
  }
  return parts;
}

function bad(message: string): ZtsdbError {
  return new ZtsdbError(RPC_ERROR_CODES.badAnswer, message);
}

/**
 * Gathers one answer: a message without a part header is the whole answer;
 * parts are kept by index until all are in, then joined and checked against
 * the length and checksum they announce. `add` throws for a part that does not
 * belong (bad header, other count or length, seen twice).
 */
export class AnswerAssembler {
  private readonly got = new Map<number, Uint8Array>();
  private parts: number | undefined;
  private bytes = 0;
  private crc = '';
  private whole: Uint8Array | undefined;

  /** Adds one message; true once the answer is complete. */
  add(data: Uint8Array, headers?: MsgHdrs): boolean {
    const part = headers?.get(PART_HEADER);
    if (!part) {
      if (this.parts !== undefined) throw bad('a whole answer arrived among the parts of another');
      this.whole = data;
      return true;
    }
    const m = /^(\d{1,5})\/(\d{1,5})$/.exec(part);
    const bytes = Number(headers?.get(ANSWER_BYTES_HEADER));
    if (!m || !Number.isSafeInteger(bytes) || bytes < 0)
      throw bad(
        `answer part with bad headers ${PART_HEADER}=${part} ${ANSWER_BYTES_HEADER}=${bytes}`,
      );
    const index = Number(m[1]);
    const count = Number(m[2]);
    if (count === 0 || index >= count)
      throw bad(`answer part claims to be part ${index} of ${count}`);
    if (this.parts !== undefined && (count !== this.parts || bytes !== this.bytes))
      throw bad(
        `answer part claims ${count} parts of ${bytes} bytes; earlier parts claimed ${this.parts} of ${this.bytes}`,
      );
    if (this.got.has(index)) throw bad(`answer part ${index + 1} of ${count} received twice`);
    this.parts = count;
    this.bytes = bytes;
    this.crc = headers?.get(ANSWER_CRC_HEADER) ?? '';
    this.got.set(index, data);
    return this.complete;
  }

  get complete(): boolean {
    return this.whole !== undefined || (this.parts !== undefined && this.got.size === this.parts);
  }

  /** Part count announced by the first part, undefined before it. */
  get expected(): number | undefined {
    return this.parts;
  }

  get received(): number {
    return this.got.size;
  }

  /** Indexes (from 0) of the parts not received yet. */
  missingParts(): number[] {
    const out: number[] = [];
    for (let i = 0; i < (this.parts ?? 0); i++) if (!this.got.has(i)) out.push(i);
    return out;
  }

  /** The whole answer's bytes; only when complete. */
  result(): Uint8Array {
    if (this.whole) return this.whole;
    if (!this.complete)
      throw bad(`answer incomplete: ${this.got.size} of ${this.parts ?? '?'} parts received`);
    const out = new Uint8Array(this.bytes);
    let off = 0;
    for (let i = 0; i < this.parts!; i++) {
      const d = this.got.get(i)!;
      if (off + d.length > out.length)
        throw bad(`answer parts hold more than the ${this.bytes} bytes announced`);
      out.set(d, off);
      off += d.length;
    }
    if (off !== this.bytes) throw bad(`answer parts hold ${off} bytes; ${this.bytes} announced`);
    if (this.crc !== String(crc32c(out, 0, out.length))) throw bad('answer checksum mismatch');
    return out;
  }
}
