import { crc32c } from '@ztsdb/checksum';
import { decodeSampleBatch, encodeSampleBatch, WireDecodeError, WIRE_ERROR_CODES } from './index';
import {
  encodeSampleBatchV2,
  SAMPLE_BATCH_V2_MAX_KEYS,
  sampleBatchV2ByteLength,
} from './sample-batch-v2';

const header = { partition: 5, producerId: 0xfedcba9876543210n, sequence: 9n };
const t0 = 1_700_000_000_000;

/** A tick-ordered batch: `series` series at `ticks` timestamps. */
function columns(series: number, ticks: number) {
  const n = series * ticks;
  const ids = new BigUint64Array(n);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  for (let t = 0; t < ticks; t++)
    for (let s = 0; s < series; s++) {
      const i = t * series + s;
      ids[i] = (0x9e3779b97f4a7c15n * BigInt(s + 1)) & 0xffffffffffffffffn;
      ts[i] = t0 + t * 1000;
      vs[i] = s + t / 4;
    }
  return { ids, ts, vs, n };
}

function withCrc(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(
    bytes.length - 4,
    crc32c(bytes, 0, bytes.length - 4),
    true,
  );
  return bytes;
}

function wireCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WireDecodeError);
    return (e as WireDecodeError).code;
  }
  throw new Error('expected a WireDecodeError');
}

describe('sample batch v2', () => {
  it('round-trips, at 12 bytes a point plus each series and tick once', () => {
    const { ids, ts, vs, n } = columns(500, 16);
    const bytes = encodeSampleBatchV2(header, ids, ts, vs, n)!;
    expect(bytes[4]).toBe(2);
    expect(bytes.length).toBe(sampleBatchV2ByteLength(500, 16, n));
    expect(bytes.length / n).toBeLessThan(12.6);
    expect(encodeSampleBatch(header, ids, ts, vs, n).length / n).toBeGreaterThan(24);
    const shifted = new Uint8Array(bytes.length + 3).subarray(3);
    shifted.set(bytes);
    for (const msg of [bytes, shifted]) {
      const b = decodeSampleBatch(msg);
      expect(b).toMatchObject({ ...header, count: n });
      expect([...b.seriesIds]).toEqual([...ids]);
      expect([...b.timestamps]).toEqual([...ts]);
      expect([...b.values]).toEqual([...vs]);
    }
  });

  it('keeps special values, negative timestamps and ids of every bit', () => {
    const ids = BigUint64Array.of(0n, 2n ** 64n - 1n, 0n, 2n ** 32n);
    const ts = Float64Array.of(-5, 2 ** 52, -5, 0);
    const vs = Float64Array.of(NaN, -0, Infinity, -Infinity);
    const b = decodeSampleBatch(encodeSampleBatchV2(header, ids, ts, vs, 4)!);
    expect([...b.seriesIds]).toEqual([...ids]);
    expect([...b.timestamps]).toEqual([...ts]);
    expect(Object.is(b.values[1], -0)).toBe(true);
    expect([b.values[0], b.values[2], b.values[3]]).toEqual([NaN, Infinity, -Infinity]);
  });

  it('encodes an empty batch, and only [0, count) of longer columns', () => {
    const { ids, ts, vs } = columns(3, 2);
    expect(decodeSampleBatch(encodeSampleBatchV2(header, ids, ts, vs, 0)!).count).toBe(0);
    const b = decodeSampleBatch(encodeSampleBatchV2(header, ids, ts, vs, 4)!);
    expect([...b.seriesIds]).toEqual([...ids.subarray(0, 4)]);
  });

  it('indexes up to 65,535 series and gives up (undefined) past that', () => {
    const at = columns(SAMPLE_BATCH_V2_MAX_KEYS, 1);
    const ok = encodeSampleBatchV2(header, at.ids, at.ts, at.vs, at.n)!;
    expect(decodeSampleBatch(ok).seriesIds[SAMPLE_BATCH_V2_MAX_KEYS - 1]).toBe(
      at.ids[SAMPLE_BATCH_V2_MAX_KEYS - 1],
    );
    const over = columns(SAMPLE_BATCH_V2_MAX_KEYS + 1, 1);
    expect(encodeSampleBatchV2(header, over.ids, over.ts, over.vs, over.n)).toBeUndefined();
    const ticks = new Float64Array(SAMPLE_BATCH_V2_MAX_KEYS + 1).map((_, i) => i);
    const same = new BigUint64Array(ticks.length).fill(1n);
    expect(encodeSampleBatchV2(header, same, ticks, ticks, ticks.length)).toBeUndefined();
  });

  it('refuses corrupt messages with a code', () => {
    const { ids, ts, vs, n } = columns(3, 2);
    const good = encodeSampleBatchV2(header, ids, ts, vs, n)!;
    const copy = (): Uint8Array => new Uint8Array(good);
    expect(wireCode(() => decodeSampleBatch(good.subarray(0, good.length - 1)))).toBe(
      WIRE_ERROR_CODES.wireLength,
    );
    const flipped = copy();
    flipped[40]! ^= 1;
    expect(wireCode(() => decodeSampleBatch(flipped))).toBe(WIRE_ERROR_CODES.wireChecksum);
    const reserved = copy();
    reserved[5] = 1;
    expect(wireCode(() => decodeSampleBatch(withCrc(reserved)))).toBe(
      WIRE_ERROR_CODES.wireReserved,
    );
    // A series index past the dictionary, checksum made right: refused, not read past.
    const index = copy();
    const seriesIndexAt = 32 + 8 * 3 + 8 * 2 + 8 * n;
    new DataView(index.buffer).setUint16(seriesIndexAt + 2, 3, true);
    expect(wireCode(() => decodeSampleBatch(withCrc(index)))).toBe(WIRE_ERROR_CODES.wireIndex);
    const tsIndex = copy();
    new DataView(tsIndex.buffer).setUint16(seriesIndexAt + 2 * n, 2, true);
    expect(wireCode(() => decodeSampleBatch(withCrc(tsIndex)))).toBe(WIRE_ERROR_CODES.wireIndex);
    // Counts that do not match the length, or points without a dictionary.
    const counts = copy();
    new DataView(counts.buffer).setUint16(12, 4, true);
    expect(wireCode(() => decodeSampleBatch(withCrc(counts)))).toBe(WIRE_ERROR_CODES.wireLength);
    const none = encodeSampleBatchV2(header, ids, ts, vs, 0)!;
    const bogus = new Uint8Array(none.length + 12);
    bogus.set(none.subarray(0, 32));
    new DataView(bogus.buffer).setUint32(8, 1, true);
    expect(wireCode(() => decodeSampleBatch(withCrc(bogus)))).toBe(WIRE_ERROR_CODES.wireLength);
    const version = copy();
    version[4] = 4;
    expect(wireCode(() => decodeSampleBatch(withCrc(version)))).toBe(WIRE_ERROR_CODES.wireVersion);
  });

  it('gives the same bytes for a batch whatever was encoded before it', () => {
    const small = columns(3, 2);
    const big = columns(700, 40);
    const first = encodeSampleBatchV2(header, small.ids, small.ts, small.vs, small.n)!;
    encodeSampleBatchV2(header, big.ids, big.ts, big.vs, big.n);
    // Columns with more points than `count`: only the first `count` are encoded.
    const again = encodeSampleBatchV2(header, big.ids, big.ts, big.vs, 3);
    const fresh = columns(700, 1);
    expect(again).toEqual(encodeSampleBatchV2(header, fresh.ids, fresh.ts, fresh.vs, 3));
    expect(encodeSampleBatchV2(header, small.ids, small.ts, small.vs, small.n)).toEqual(first);
    const back = decodeSampleBatch(encodeSampleBatchV2(header, big.ids, big.ts, big.vs, big.n)!);
    expect(back.seriesIds).toEqual(big.ids);
    expect(back.timestamps).toEqual(big.ts);
  });
});
