import type { Msg } from '@nats-io/transport-node';
import { ZtsdbError } from '@ztsdb/errors';
import { ACCEPT_PARTS_HEADER } from './answer-parts';
import { JsonAnswerDeserializer } from './json-answer.deserializer';
import { JsonAnswerSerializer } from './json-answer.serializer';
import { JsonRequestDeserializer, MalformedJson } from './json-request.deserializer';
import { JsonRequestSerializer } from './json-request.serializer';

/** Just what the deserializer reads of a NATS message. */
function msg(data: string, reply?: string): Msg {
  return { data: Buffer.from(data), subject: 'ztsdb.query', reply } as unknown as Msg;
}

describe('plain JSON on the wire', () => {
  it('a request is its JSON as it is, with the reply subject as id', () => {
    const d = new JsonRequestDeserializer();
    expect(d.deserialize(msg('{"match":"*"}', '_INBOX.x'), { channel: 'ztsdb.query' })).toEqual({
      pattern: 'ztsdb.query',
      data: { match: '*' },
      id: '_INBOX.x',
    });
    // No reply subject: an event, nothing to answer.
    expect(d.deserialize(msg('[1]'), { channel: 'ztsdb.query' })).toEqual({
      pattern: 'ztsdb.query',
      data: [1],
    });
  });

  it('a body that is not JSON reaches the handler as MalformedJson', () => {
    const r = new JsonRequestDeserializer().deserialize(msg('{nope', 'r'), { channel: 's' });
    expect(r.data).toBeInstanceOf(MalformedJson);
    expect((r.data as MalformedJson).message).toMatch(/JSON/);
  });

  it('an answer goes out as the handler made it, no envelope; a failure as the error answer', () => {
    const s = new JsonAnswerSerializer((e) =>
      Buffer.from(JSON.stringify({ error: (e as Error).message, code: (e as ZtsdbError).code })),
    );
    const bytes = Buffer.from('{"series":[]}');
    expect(s.serialize({ response: bytes })).toBe(bytes);
    expect(Buffer.from(s.serialize({ response: 'text' })).toString()).toBe('text');
    expect(Buffer.from(s.serialize({ response: { a: 1 } })).toString()).toBe('{"a":1}');
    expect(
      JSON.parse(
        Buffer.from(s.serialize({ err: new ZtsdbError('ZTSDB_BUSY', 'busy') })).toString(),
      ),
    ).toEqual({ error: 'busy', code: 'ZTSDB_BUSY' });
  });

  it('a client request is plain JSON that takes parts; its answer the text and its parse', () => {
    const out = new JsonRequestSerializer().serialize({ pattern: 's', data: { series: 'a' } });
    expect(Buffer.from(out.data).toString()).toBe('{"series":"a"}');
    expect(out.headers.get(ACCEPT_PARTS_HEADER)).toBe('1');
    const d = new JsonAnswerDeserializer();
    expect(d.deserialize(Buffer.from('{"points":[[1,2]]}'))).toEqual({
      id: '',
      response: { text: '{"points":[[1,2]]}', json: { points: [[1, 2]] } },
      isDisposed: true,
    });
    const bad = d.deserialize(Buffer.from('<html>'), { subject: 'ztsdb.query' });
    expect(bad.err).toBeInstanceOf(Error);
    expect((bad.err as Error).message).toMatch(/answer on ztsdb.query is not JSON/);
  });
});
