import {
  decodeSampleBatch,
  encodeSampleBatch,
  sampleBatchMsgId,
  SAMPLE_BATCH_MAX_POINTS,
  WireDecodeError,
} from './index';
import { sampleBatchByteLength } from './sample-batch';

function small(): Uint8Array {
  return encodeSampleBatch(
    { partition: 3, producerId: 0x0123456789abcdefn, sequence: 42n },
    [1n, 0xffffffffffffffffn, 7n],
    [1_700_000_000_000, -5, 2 ** 52],
    [1.5, NaN, -0],
  );
}

function expectWireError(fn: () => unknown): WireDecodeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WireDecodeError);
    return e as WireDecodeError;
  }
  throw new Error('expected a WireDecodeError');
}

describe('sample batch v1', () => {
  it('round-trips header and columns', () => {
    const bytes = small();
    expect(bytes.length).toBe(sampleBatchByteLength(3));
    const b = decodeSampleBatch(bytes);
    expect(b.partition).toBe(3);
    expect(b.producerId).toBe(0x0123456789abcdefn);
    expect(b.sequence).toBe(42n);
    expect(b.count).toBe(3);
    expect(Array.from(b.seriesIds)).toEqual([1n, 0xffffffffffffffffn, 7n]);
    expect(Array.from(b.timestamps)).toEqual([1_700_000_000_000, -5, 2 ** 52]);
    expect(b.values[0]).toBe(1.5);
    expect(b.values[1]).toBeNaN();
    expect(Object.is(b.values[2], -0)).toBe(true);
  });

  it('round-trips an empty batch and a large one', () => {
    const empty = decodeSampleBatch(
      encodeSampleBatch({ partition: 0, producerId: 1n, sequence: 0n }, [], [], []),
    );
    expect(empty.count).toBe(0);
    const n = 10_000;
    const ids = new BigUint64Array(n).map((_, i) => BigInt(i) * 7919n);
    const ts = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 1000);
    const vs = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const b = decodeSampleBatch(
      encodeSampleBatch({ partition: 1, producerId: 9n, sequence: 1n }, ids, ts, vs),
    );
    expect(b.seriesIds).toEqual(ids);
    expect(b.timestamps).toEqual(ts);
    expect(b.values).toEqual(vs);
  });

  it('decodes a message at an unaligned offset', () => {
    const bytes = small();
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(decodeSampleBatch(shifted.subarray(3)).timestamps[0]).toBe(1_700_000_000_000);
  });

  it('refuses every truncation with a WireDecodeError', () => {
    const bytes = small();
    for (let len = 0; len < bytes.length; len++)
      expectWireError(() => decodeSampleBatch(bytes.subarray(0, len)));
  });

  it('refuses a flipped bit at every byte with a WireDecodeError', () => {
    const bytes = small();
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = new Uint8Array(bytes);
        copy[i]! ^= 1 << bit;
        expectWireError(() => decodeSampleBatch(copy));
      }
    }
  });

  it('refuses a count the length does not back, before allocating', () => {
    const bytes = small();
    const view = new DataView(bytes.buffer);
    view.setUint32(8, 0xffffffff, true);
    expect(expectWireError(() => decodeSampleBatch(bytes)).code).toBe('ZTSDB_WIRE_LENGTH');
    view.setUint32(8, SAMPLE_BATCH_MAX_POINTS + 1, true);
    expect(expectWireError(() => decodeSampleBatch(bytes)).code).toBe('ZTSDB_WIRE_LENGTH');
  });

  it('names what was wrong', () => {
    expect(
      expectWireError(() =>
        decodeSampleBatch(Buffer.from('garbage bytes that are not a batch at all')),
      ).code,
    ).toBe('ZTSDB_WIRE_MAGIC');
    const bad = small();
    bad[4] = 4;
    expect(expectWireError(() => decodeSampleBatch(bad)).code).toBe('ZTSDB_WIRE_VERSION');
    const flipped = small();
    flipped[40]! ^= 1;
    expect(expectWireError(() => decodeSampleBatch(flipped)).code).toBe('ZTSDB_WIRE_CHECKSUM');
  });

  it('matches the golden bytes of docs/format/sample-batch.md', () => {
    const bytes = encodeSampleBatch(
      { partition: 1, producerId: 0xabn, sequence: 2n },
      [5n],
      [1000],
      [0.5],
    );
    expect(Buffer.from(bytes).toString('hex')).toBe(
      '5a545342' +
        '01' +
        '00' +
        '0100' +
        '01000000' +
        '00000000' + // magic, version, flags, partition, count, reserved
        'ab00000000000000' +
        '0200000000000000' + // producer id, sequence
        '0500000000000000' +
        'e803000000000000' +
        '000000000000e03f' + // ids, timestamps, values
        '94717375', // CRC-32C
    );
  });

  it('refuses non-integer timestamps on encode', () => {
    expect(() =>
      encodeSampleBatch({ partition: 0, producerId: 1n, sequence: 0n }, [1n], [1.5], [1]),
    ).toThrow(RangeError);
  });

  it('makes a message id from producer, sequence and partition', () => {
    expect(sampleBatchMsgId({ producerId: 0xabn, sequence: 7n, partition: 2 })).toBe(
      '00000000000000ab-7-p2',
    );
  });
});
