import { headers as natsHeaders } from '@nats-io/transport-node';
import {
  ANSWER_CRC_HEADER,
  AnswerAssembler,
  PART_HEADER,
  PART_HEADER_ROOM,
  splitAnswer,
} from './answer-parts';

const answer = Buffer.from(
  JSON.stringify({ points: Array.from({ length: 500 }, (_, i) => [i, i / 3]) }),
);

describe('answer parts', () => {
  it('splits into messages of at most max_payload less the header room, and joins them in any order', () => {
    const max = PART_HEADER_ROOM + 1000;
    const parts = splitAnswer(answer, max);
    expect(parts.length).toBe(Math.ceil(answer.length / 1000));
    for (const p of parts) expect(p.data.length).toBeLessThanOrEqual(1000);
    const asm = new AnswerAssembler();
    const order = parts.map((_, i) => i).reverse();
    order.forEach((i, k) =>
      expect(asm.add(parts[i]!.data, parts[i]!.headers)).toBe(k === order.length - 1),
    );
    expect(Buffer.from(asm.result()).equals(answer)).toBe(true);
  });

  it('takes a message without part headers as the whole answer', () => {
    const asm = new AnswerAssembler();
    expect(asm.add(answer)).toBe(true);
    expect(asm.result()).toBe(answer);
  });

  it('tells which parts are missing, and refuses a part seen twice or of another answer', () => {
    const parts = splitAnswer(answer, PART_HEADER_ROOM + 1000);
    const asm = new AnswerAssembler();
    asm.add(parts[1]!.data, parts[1]!.headers);
    expect(asm.complete).toBe(false);
    expect(asm.missingParts()).toEqual(parts.map((_, i) => i).filter((i) => i !== 1));
    expect(() => asm.add(parts[1]!.data, parts[1]!.headers)).toThrow(/received twice/);
    const other = splitAnswer(answer.subarray(0, 2500), PART_HEADER_ROOM + 1000);
    expect(() => asm.add(other[0]!.data, other[0]!.headers)).toThrow(/earlier parts claimed/);
    expect(() => asm.result()).toThrow(/incomplete/);
  });

  it('finds damage through the checksum and refuses bad headers', () => {
    const parts = splitAnswer(answer, PART_HEADER_ROOM + 1000);
    const asm = new AnswerAssembler();
    parts.forEach((p, i) =>
      asm.add(i === 0 ? Buffer.from(p.data).fill(32, 0, 1) : p.data, p.headers),
    );
    expect(() => asm.result()).toThrow(/checksum mismatch/);
    const h = natsHeaders();
    h.set(PART_HEADER, '3/2');
    h.set(ANSWER_CRC_HEADER, '0');
    expect(() => new AnswerAssembler().add(answer, h)).toThrow(/bad headers|part 3 of 2/);
  });
});
