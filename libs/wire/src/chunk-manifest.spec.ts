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
