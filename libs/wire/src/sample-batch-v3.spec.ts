import { crc32c } from '@ztsdb/checksum';
import { decodeSampleBatch, encodeSampleBatchV2, WireDecodeError, WIRE_ERROR_CODES } from './index';
import {
  encodeSampleBatchV3,
  KEYS_CYCLIC,
  KEYS_RUNS,
  KEYS_U16,
  KEYS_U32,
  KEYS_U8,
  SAMPLE_BATCH_V3_HEADER_BYTES,
  sampleBatchV3ByteLength,
  VALUES_RAW,
  VALUES_XOR,
} from './sample-batch-v3';

const header = { partition: 5, producerId: 0xfedcba9876543210n, sequence: 9n };
const t0 = 1_700_000_000_000;

function id(s: number): bigint {
  return (0x9e3779b97f4a7c15n * BigInt(s + 1)) & 0xffffffffffffffffn;
}

interface Cols {
  ids: BigUint64Array;
  ts: Float64Array;
  vs: Float64Array;
  n: number;
}

/** Time-major, as an import or a scrape: every series each tick, from `skip` points in. */
function timeMajor(series: number, ticks: number, skip = 0): Cols {
  const n = series * ticks - skip;
  const c = { ids: new BigUint64Array(n), ts: new Float64Array(n), vs: new Float64Array(n), n };
  for (let i = 0; i < n; i++) {
    const t = Math.floor((i + skip) / series);
    const s = (i + skip) % series;
    c.ids[i] = id(s);
    c.ts[i] = t0 + t * 1000;
    // Integers that move a little, as counters and memory do.
    c.vs[i] = s * 4096 + (t % 3) * 4096;
  }
  return c;
}

/** Series-major, as a remote write: each series' samples together, the same ticks for all. */
function seriesMajor(series: number, ticks: number): Cols {
  const n = series * ticks;
  const c = { ids: new BigUint64Array(n), ts: new Float64Array(n), vs: new Float64Array(n), n };
  for (let s = 0; s < series; s++)
    for (let t = 0; t < ticks; t++) {
      const i = s * ticks + t;
      c.ids[i] = id(s);
      c.ts[i] = t0 + t * 15_000;
      c.vs[i] = s + t / 4;
    }
  return c;
}

function encode(c: Cols, count = c.n, values: 'auto' | 'raw' = 'auto'): Uint8Array {
  return encodeSampleBatchV3(header, c.ids, c.ts, c.vs, count, values);
}

function bytesOf(a: BigUint64Array | Float64Array, n = a.length): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, 8 * n);
}

function expectRoundTrip(c: Cols, bytes: Uint8Array): void {
  const shifted = new Uint8Array(bytes.length + 3).subarray(3);
  shifted.set(bytes);
  for (const msg of [bytes, shifted]) {
    const b = decodeSampleBatch(msg);
    expect(b).toMatchObject({ ...header, count: c.n });
    // Bytes compared (NaN payloads, -0), and fast on columns of 100,000 points. The ids are
    // expanded on first read, also into a spread copy, and the same array after.
    expect(bytesOf({ ...b }.seriesIds).equals(bytesOf(c.ids, c.n))).toBe(true);
    expect(bytesOf(b.seriesIds).equals(bytesOf(c.ids, c.n))).toBe(true);
    expect(b.seriesIds).toBe(b.seriesIds);
    expect(bytesOf(b.timestamps).equals(bytesOf(c.ts, c.n))).toBe(true);
    expect(bytesOf(b.values).equals(bytesOf(c.vs, c.n))).toBe(true);
    // The key table and each point's index into it give the same ids.
    const keys = b.seriesKeys!;
    const index = b.seriesKeyIndex!;
    let same = index.length === c.n;
    for (let i = 0; i < c.n && same; i++) same = keys[index[i]!] === c.ids[i];
    expect(same).toBe(true);
  }
}

const modes = (bytes: Uint8Array): number[] => [bytes[12]!, bytes[13]!, bytes[14]!];
const u32 = (bytes: Uint8Array, at: number): number =>
  new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);

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

/** Byte offsets of a v3 message's sections, from its header. */
function layout(bytes: Uint8Array) {
  const s = u32(bytes, 32);
  const t = u32(bytes, 36);
  const v = u32(bytes, 40);
  const values = SAMPLE_BATCH_V3_HEADER_BYTES + 8 * s + 8 * t;
  const seriesMap = values + ((v + 3) & ~3);
  return { s, t, v, values, seriesMap };
}

describe('sample batch v3', () => {
  it('sends an import batch cut mid-tick with no bytes per point for series and timestamps', () => {
    const c = timeMajor(500, 33, 120);
    const bytes = encode(c);
    expect(bytes[4]).toBe(3);
    expect(modes(bytes)).toEqual([KEYS_CYCLIC, KEYS_RUNS, VALUES_XOR]);
    const { s, t } = layout(bytes);
    expect([s, t]).toEqual([500, 33]);
    const raw = encode(c, c.n, 'raw');
    expect(modes(raw)).toEqual([KEYS_CYCLIC, KEYS_RUNS, VALUES_RAW]);
    expect(raw.length).toBe(sampleBatchV3ByteLength(KEYS_CYCLIC, 500, KEYS_RUNS, 33, 8 * c.n, c.n));
    // Raw values and the two key tables: just over 8 bytes a point; XOR values well under.
    expect(raw.length / c.n).toBeLessThan(8.6);
    expect(bytes.length / c.n).toBeLessThan(4);
    expectRoundTrip(c, bytes);
    expectRoundTrip(c, raw);
  });

  it('sends one scrape tick as its ids, one timestamp run and the values', () => {
    const c = timeMajor(2000, 1);
    const bytes = encode(c, c.n, 'raw');
    expect(modes(bytes)).toEqual([KEYS_CYCLIC, KEYS_CYCLIC, VALUES_RAW]);
    expect(bytes.length).toBe(SAMPLE_BATCH_V3_HEADER_BYTES + 16 * c.n + 8 + 4);
    expectRoundTrip(c, bytes);
    expectRoundTrip(c, encode(c));
  });

  it('sends series-major points as series runs and repeating timestamps', () => {
    const c = seriesMajor(300, 7);
    const bytes = encode(c);
    expect(modes(bytes).slice(0, 2)).toEqual([KEYS_RUNS, KEYS_CYCLIC]);
    expectRoundTrip(c, bytes);
    // Values XOR against the previous point of the same run.
    expect(modes(bytes)[2]).toBe(VALUES_XOR);
  });

  it('indexes arbitrary points one, two or four bytes wide by the distinct keys', () => {
    for (const [distinct, width] of [
      [1, 0],
      [256, KEYS_U8],
      [257, KEYS_U16],
      [65_536, KEYS_U16],
      [65_537, KEYS_U32],
    ] as const) {
      // Every key twice, the second time in another order: neither cyclic nor in runs.
      const n = 2 * distinct;
      const c = { ids: new BigUint64Array(n), ts: new Float64Array(n), vs: new Float64Array(n), n };
      for (let i = 0; i < distinct; i++) {
        c.ids[i] = id(i);
        c.ids[distinct + i] = id((i * 7 + 3) % distinct);
        c.ts[i] = t0 + 1000 * i;
        c.ts[distinct + i] = t0 + 1000 * ((i * 5 + 1) % distinct);
        c.vs[i] = c.vs[distinct + i] = i;
      }
      const bytes = encode(c);
      if (distinct > 1) expect(modes(bytes).slice(0, 2)).toEqual([width, width]);
      expectRoundTrip(c, bytes);
    }
  });

  it('keeps special values, negative timestamps, NaN payloads and ids of every bit', () => {
    const payloadNaN = new Float64Array(new Uint32Array([1, 0x7ff00000]).buffer)[0]!;
    const ids = BigUint64Array.of(0n, 2n ** 64n - 1n, 0n, 2n ** 32n, 0n);
    const ts = Float64Array.of(-5, 2 ** 52, -5, 0, -(2 ** 40));
    const vs = Float64Array.of(NaN, -0, Infinity, -Infinity, payloadNaN);
    const c = { ids, ts, vs, n: 5 };
    expectRoundTrip(c, encode(c));
    expectRoundTrip(c, encode(c, 5, 'raw'));
  });

  it('stays raw when XOR would not be smaller', () => {
    const c = timeMajor(100, 5);
    let x = 12345;
    for (let i = 0; i < c.n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      c.vs[i] = x / 7 + Math.sin(i);
    }
    const bytes = encode(c);
    expect(modes(bytes)[2]).toBe(VALUES_RAW);
    expectRoundTrip(c, bytes);
  });

  it('encodes an empty batch, only [0, count) of longer columns, and the same bytes whatever came before', () => {
    const c = timeMajor(40, 10);
    const empty = decodeSampleBatch(encode(c, 0));
    expect(empty.count).toBe(0);
    const first = encode(c, 17);
    encode(timeMajor(3000, 30));
    expect(encode(c, 17)).toEqual(first);
    const b = decodeSampleBatch(first);
    expect(b.seriesIds).toEqual(c.ids.subarray(0, 17));
    expect(b.values).toEqual(c.vs.subarray(0, 17));
  });

  it('refuses corrupt messages with a code, checksum made right', () => {
    const c = timeMajor(6, 4, 1);
    const good = encode(c);
    const copy = (): Uint8Array => new Uint8Array(good);
    const { values, seriesMap } = layout(good);
    const code = (mutate: (b: Uint8Array, v: DataView) => void): string => {
      const b = copy();
      mutate(b, new DataView(b.buffer));
      return wireCode(() => decodeSampleBatch(withCrc(b)));
    };
    expect(wireCode(() => decodeSampleBatch(good.subarray(0, good.length - 4)))).toBe(
      WIRE_ERROR_CODES.wireLength,
    );
    expect(wireCode(() => decodeSampleBatch(good.subarray(0, 40)))).toBe(
      WIRE_ERROR_CODES.wireLength,
    );
    const flipped = copy();
    flipped[50]! ^= 1;
    expect(wireCode(() => decodeSampleBatch(flipped))).toBe(WIRE_ERROR_CODES.wireChecksum);
    expect(code((b) => (b[5] = 1))).toBe(WIRE_ERROR_CODES.wireReserved);
    expect(code((b) => (b[15] = 1))).toBe(WIRE_ERROR_CODES.wireReserved);
    expect(code((b) => (b[44] = 1))).toBe(WIRE_ERROR_CODES.wireReserved);
    expect(code((b) => (b[12] = 5))).toBe(WIRE_ERROR_CODES.wireVersion);
    expect(code((b) => (b[14] = 2))).toBe(WIRE_ERROR_CODES.wireVersion);
    expect(code((b) => (b[4] = 4))).toBe(WIRE_ERROR_CODES.wireVersion);
    // Sizes that do not fit: more keys than points, value bytes off, raw with XOR's size.
    expect(code((_, v) => v.setUint32(32, 12, true))).toBe(WIRE_ERROR_CODES.wireLength);
    expect(code((_, v) => v.setUint32(36, 0, true))).toBe(WIRE_ERROR_CODES.wireLength);
    expect(code((_, v) => v.setUint32(40, 1, true))).toBe(WIRE_ERROR_CODES.wireLength);
    expect(code((b) => (b[14] = VALUES_RAW))).toBe(WIRE_ERROR_CODES.wireLength);
    // Timestamp runs (the mapping after the cyclic series'): a zero run, too long, too short.
    expect(modes(good)).toEqual([KEYS_CYCLIC, KEYS_RUNS, VALUES_XOR]);
    expect(code((_, v) => v.setUint32(seriesMap, 0, true))).toBe(WIRE_ERROR_CODES.wireIndex);
    expect(code((_, v) => v.setUint32(seriesMap, 99, true))).toBe(WIRE_ERROR_CODES.wireIndex);
    expect(code((_, v) => v.setUint32(seriesMap, 1, true))).toBe(WIRE_ERROR_CODES.wireIndex);
    // A control byte with more bytes than a float64 has, and values that end early.
    expect(code((b) => (b[values] = 0x58))).toBe(WIRE_ERROR_CODES.wireBody);
    expect(code((b) => (b[values] = 0x08))).toBe(WIRE_ERROR_CODES.wireBody);
  });

  it('refuses an index past its table, a run past the points and padding that is not zero', () => {
    const n = 600;
    const c = { ids: new BigUint64Array(n), ts: new Float64Array(n), vs: new Float64Array(n), n };
    for (let i = 0; i < n; i++) {
      // Each series twice, in two orders; timestamps 0, 1, 4, 4, 1, 0, …: neither cyclic nor runs.
      c.ids[i] = id(i < 300 ? (i * 7) % 300 : (i * 11) % 300);
      c.ts[i] = t0 + ((i * i) % 5);
      c.vs[i] = Math.sqrt(i + 2);
    }
    const good = encode(c);
    expect(modes(good)).toEqual([KEYS_U16, KEYS_U8, VALUES_RAW]);
    const { t, seriesMap } = layout(good);
    const tsMap = seriesMap + 2 * n;
    const code = (mutate: (b: Uint8Array, v: DataView) => void): string => {
      const b = new Uint8Array(good);
      mutate(b, new DataView(b.buffer));
      return wireCode(() => decodeSampleBatch(withCrc(b)));
    };
    expect(code((_, v) => v.setUint16(seriesMap + 2 * 7, 300, true))).toBe(
      WIRE_ERROR_CODES.wireIndex,
    );
    expect(code((b) => (b[tsMap + 9] = t))).toBe(WIRE_ERROR_CODES.wireIndex);
    // The u8 timestamp mapping of 600 points is padded to 600 (a multiple of 4): pad with 601.
    const odd = { ...c, n: 601 };
    const ids = new BigUint64Array(601);
    ids.set(c.ids);
    const ts = new Float64Array(601);
    ts.set(c.ts);
    const vs = new Float64Array(601);
    vs.set(c.vs);
    const padded = encodeSampleBatchV3(header, ids, ts, vs, 601);
    expect(padded.length % 4).toBe(0);
    const p = new Uint8Array(padded);
    p[p.length - 5] = 1;
    expect(wireCode(() => decodeSampleBatch(withCrc(p)))).toBe(WIRE_ERROR_CODES.wireReserved);
    expectRoundTrip({ ...odd, ids, ts, vs }, padded);
  });

  it('is read beside versions 1 and 2 by the one decoder', () => {
    const c = timeMajor(10, 3);
    const v2 = encodeSampleBatchV2(header, c.ids, c.ts, c.vs, c.n)!;
    expect(decodeSampleBatch(v2).values).toEqual(decodeSampleBatch(encode(c)).values);
  });
});
