import { crc32c } from '@ztsdb/checksum';
import { encodeChunk } from '@ztsdb/chunkenc';
import {
  chunkMessageId,
  decodeChunkMessage,
  decodeManifestEvent,
  encodeChunkMessage,
  encodeManifestEvent,
  manifestEventId,
  WireDecodeError,
  type ManifestEvent,
} from './index';

function expectEveryDamageRefused(bytes: Uint8Array, decode: (b: Uint8Array) => unknown): void {
  for (let len = 0; len < bytes.length; len++)
    expect(() => decode(bytes.subarray(0, len))).toThrow(WireDecodeError);
  for (let i = 0; i < bytes.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const copy = new Uint8Array(bytes);
      copy[i]! ^= 1 << bit;
      expect(() => decode(copy)).toThrow(WireDecodeError);
    }
  }
}

describe('chunk message v1', () => {
  const ts = Array.from({ length: 77 }, (_, i) => -5 + i * 1000);
  const msg = {
    partition: 3,
    seriesId: 0xdeadbeefcafef00dn,
    minT: -5,
    maxT: 2 ** 50,
    count: 77,
    chunk: encodeChunk(
      ts,
      ts.map((t) => t / 3),
    ),
  };
  it('round-trips', () => {
    expect(decodeChunkMessage(encodeChunkMessage(msg))).toEqual(msg);
    const empty = encodeChunk([], []);
    expect(
      decodeChunkMessage(encodeChunkMessage({ ...msg, count: 0, chunk: empty })).chunk,
    ).toEqual(empty);
  });
  // Found by fuzzing (test/fuzz, target chunk-message): a message whose frame was intact but
  // whose chunk did not decode was accepted, and the compactor's warm writer then threw on
  // it for every redelivery of its batch, so no chunk of that batch was ever written.
  it.each([
    ['bytes that are not a chunk', { chunk: Uint8Array.of(1, 2, 3, 4, 5) }],
    ['no bytes', { chunk: new Uint8Array(0) }],
    ['a chunk with a bad checksum', { chunk: msg.chunk.map((b, i) => (i === 10 ? b ^ 1 : b)) }],
    ['a count the chunk does not hold', { count: 76 }],
  ])('refuses a chunk message carrying %s', (_what, change) => {
    const bytes = encodeChunkMessage({ ...msg, ...change });
    expect(() => decodeChunkMessage(bytes)).toThrow(WireDecodeError);
    expect(() => decodeChunkMessage(bytes)).toThrow(/ZTSDB_WIRE_CHUNK|chunk/);
  });
  it('refuses every truncation and flipped bit', () => {
    expectEveryDamageRefused(encodeChunkMessage(msg), decodeChunkMessage);
  });
  it('has an id that is the same when the same chunk is sealed again', () => {
    expect(chunkMessageId(msg)).toBe(chunkMessageId({ ...msg }));
    expect(chunkMessageId(msg)).toBe(`deadbeefcafef00d--5-${2 ** 50}-77`);
    expect(chunkMessageId({ ...msg, count: 78 })).not.toBe(chunkMessageId(msg));
  });
});

describe('manifest event v1', () => {
  const e: ManifestEvent = {
    kind: 'warm-added',
    partition: 1,
    file: 'warm/p1/00000000000000000001.warm',
    bytes: 1234,
    crc32c: 0xabcdef01,
    minT: 1,
    maxT: 2,
    seriesCount: 1,
    points: 2,
    chunks: [{ id: '0000000000000001', minT: 1, maxT: 2, count: 2 }],
    atMs: 1_700_000_000_000,
  };
  it('round-trips', () => {
    expect(decodeManifestEvent(encodeManifestEvent(e))).toEqual(e);
    expect(manifestEventId(e)).toBe('warm-added:warm/p1/00000000000000000001.warm');
  });
  it('carries the object name of an added file, and reads events written without it', () => {
    const withObject = { ...e, object: e.file };
    expect(decodeManifestEvent(encodeManifestEvent(withObject))).toEqual(withObject);
    expect(decodeManifestEvent(encodeManifestEvent(e)).object).toBeUndefined();
  });
  it('refuses every truncation and flipped bit', () => {
    expectEveryDamageRefused(encodeManifestEvent({ ...e, chunks: undefined }), decodeManifestEvent);
  });
  it('refuses bodies that are not events', () => {
    expect(() => decodeManifestEvent(encodeManifestEvent({ ...e, kind: 'nope' as never }))).toThrow(
      /bad kind/,
    );
    expect(() =>
      decodeManifestEvent(encodeManifestEvent({ ...e, file: '../../etc/passwd' })),
    ).toThrow(WireDecodeError);
  });
  // Found by the fuzzer (test/fuzz, target manifest-event): such bodies passed the
  // checks, or threw a TypeError, and consumers then failed on them.
  it.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['a number', '5'],
    ['chunks that are not a list', JSON.stringify({ ...e, chunks: {} })],
    ['a chunk ref that is not an object', JSON.stringify({ ...e, chunks: [null] })],
    ['a chunk ref without numbers', JSON.stringify({ ...e, chunks: [{ id: 'a', minT: '1' }] })],
    ['replaces that are not names', JSON.stringify({ ...e, replaces: [1] })],
    ['a size that is not a number', JSON.stringify({ ...e, bytes: 'big' })],
    ['an object name that is not a string', JSON.stringify({ ...e, object: 7 })],
  ])('refuses a body that is %s with a WireDecodeError', (_what, body) => {
    const b = new TextEncoder().encode(body);
    const msg = encodeManifestEvent(e);
    const framed = new Uint8Array(12 + b.length + 4);
    framed.set(msg.subarray(0, 8));
    new DataView(framed.buffer).setUint32(8, b.length, true);
    framed.set(b, 12);
    new DataView(framed.buffer).setUint32(
      framed.length - 4,
      crc32c(framed, 0, framed.length - 4),
      true,
    );
    expect(() => decodeManifestEvent(framed)).toThrow(WireDecodeError);
  });
});

describe('manifest event v2 (chunk table)', () => {
  const chunks = Array.from({ length: 1000 }, (_, i) => ({
    id: (0x9e3779b97f4a7c15n * BigInt(i + 1)).toString(16).slice(-16).padStart(16, '0'),
    minT: 1_704_067_200_000 + (i % 7) * 1000,
    maxT: 1_704_070_799_000,
    count: 3600 - (i % 7),
  }));
  const e: ManifestEvent = {
    kind: 'warm-added',
    partition: 2,
    file: 'warm/p2/seg-000000000001.warm',
    bytes: 99,
    crc32c: 7,
    minT: 1_704_067_200_000,
    maxT: 1_704_070_799_000,
    seriesCount: 1000,
    points: 3_596_997,
    chunks,
    chunkSeqs: { min: 1, max: 1000, batchMin: 1 },
    atMs: 1_700_000_000_000,
  };
  /** A frame of `version` around a JSON body and what follows it, with a right checksum. */
  const frame = (version: number, body: unknown, tail: Uint8Array = new Uint8Array(0)) => {
    const b = new TextEncoder().encode(JSON.stringify(body));
    const out = new Uint8Array(12 + b.length + tail.length + 4);
    const v = new DataView(out.buffer);
    v.setUint32(0, 0x454d545a, true);
    v.setUint8(4, version);
    v.setUint32(8, b.length, true);
    out.set(b, 12);
    out.set(tail, 12 + b.length);
    v.setUint32(out.length - 4, crc32c(out, 0, out.length - 4), true);
    return out;
  };
  /** The chunk table of an encoded event (after its JSON), without the checksum. */
  const tableOf = (bytes: Uint8Array): Uint8Array => {
    const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
    return bytes.slice(12 + len, bytes.length - 4);
  };

  it('writes the chunks of a warm-added event as a table: a fifth of the JSON', () => {
    const bytes = encodeManifestEvent(e);
    expect(bytes[4]).toBe(2);
    expect(decodeManifestEvent(bytes)).toEqual(e);
    const v1 = frame(1, e);
    expect(decodeManifestEvent(v1)).toEqual(e); // version 1 is still read
    expect(bytes.length * 4).toBeLessThan(v1.length);
  });

  it.each<[string, Partial<ManifestEvent>]>([
    [
      'a chunk before the file minT and one backwards',
      {
        chunks: [
          { id: 'ffffffffffffffff', minT: 5, maxT: 4, count: 0 },
          { id: '0000000000000000', minT: 2 ** 51, maxT: -(2 ** 51), count: 2 ** 53 - 1 },
        ],
        minT: 10,
      },
    ],
    ['one chunk', { chunks: [chunks[0]!] }],
  ])('round-trips %s', (_, over) => {
    const ev = { ...e, ...over };
    const bytes = encodeManifestEvent(ev);
    expect(bytes[4]).toBe(2);
    expect(decodeManifestEvent(bytes)).toEqual(ev);
  });

  it.each<[string, Partial<ManifestEvent>]>([
    ['no chunks', { chunks: undefined }],
    ['an empty chunk list', { chunks: [] }],
    ['an id that is not 16 lowercase hex', { chunks: [{ ...chunks[0]!, id: 'ABCDEF0123456789' }] }],
    ['a time that is not an integer', { chunks: [{ ...chunks[0]!, maxT: 1.5 }] }],
    ['a minT that is not an integer', { minT: 0.5 }],
    [
      'a span too long for a table',
      { chunks: [{ ...chunks[0]!, maxT: chunks[0]!.minT + 2 ** 52 + 2 }] },
    ],
    ['another kind', { kind: 'cold-added' }],
  ])('keeps version 1 for an event with %s', (_, over) => {
    const ev = { ...e, ...over };
    const bytes = encodeManifestEvent(ev);
    expect(bytes[4]).toBe(1);
    expect(decodeManifestEvent(bytes)).toEqual(ev);
  });

  it('refuses every truncation and flipped bit', () => {
    expectEveryDamageRefused(
      encodeManifestEvent({ ...e, chunks: chunks.slice(0, 3) }),
      decodeManifestEvent,
    );
  });

  it('refuses a table that does not fit, or a body that does not go with one', () => {
    const body = { ...e, chunks: undefined };
    const table = tableOf(encodeManifestEvent({ ...e, chunks: chunks.slice(0, 2) }));
    expect(decodeManifestEvent(frame(2, body, table)).chunks).toEqual(chunks.slice(0, 2));
    const refused = (bytes: Uint8Array, re: RegExp) =>
      expect(() => decodeManifestEvent(bytes)).toThrow(re);
    refused(frame(2, body, Uint8Array.of(...table, 0)), /1 bytes after the chunk table/);
    refused(frame(2, body, table.subarray(0, table.length - 1)), /short/);
    const more = table.slice();
    more[0] = 3;
    refused(frame(2, body, more), /short|does not fit/);
    const huge = table.slice();
    new DataView(huge.buffer).setUint32(0, 0xffffffff, true);
    refused(frame(2, body, huge), /does not fit/);
    refused(
      frame(2, body, Uint8Array.of(1, 0, 0, 0, ...Array(8).fill(0), ...Array(9).fill(0x80), 0)),
      /too long/,
    );
    refused(frame(2, body, Uint8Array.of(1, 0, 0)), /does not fit the message/);
    refused(frame(2, e, table), /no chunks in its JSON/);
    refused(frame(2, { ...body, kind: 'cold-added' }, table), /warm-added/);
    refused(frame(2, { ...body, minT: 1.5 }, table), /integer minT/);
    refused(frame(3, body, table), /version 3 is not supported/);
  });
});
