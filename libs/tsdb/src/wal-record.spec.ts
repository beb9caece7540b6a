import { crc32c } from '@ztsdb/checksum';
import { WalCorruptError } from './errors';
import { Head } from './head';
import { MemSeries } from './mem-series';
import {
  WAL_RECORD_VERSION_COMPACT,
  decodeWalRecord,
  encodeSamplesRecord,
  encodeSamplesRecordFromSlots,
} from './wal-record';

const series = [{ id: 1n }, { id: 2n ** 64n - 1n }, { id: 12345678901234567n }];

function compact(ts: number[], vs: number[], slots: number[]): Uint8Array {
  return encodeSamplesRecordFromSlots(
    series,
    Int32Array.from(slots),
    Float64Array.from(ts),
    Float64Array.from(vs),
    ts.length,
  );
}

function reseal(rec: Uint8Array): Uint8Array {
  const out = rec.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32c(out, 0, out.length - 4), true);
  return out;
}

describe('compact WAL samples records (version 2)', () => {
  it('round-trips every timestamp width and is smaller than version 1', () => {
    const t0 = 1_700_000_000_000;
    const cases: [number[], number][] = [
      [[t0, t0, t0], 0],
      [[t0, t0 + 255, t0 + 7], 1],
      [[t0 + 65_535, t0, t0 + 1000], 2],
      [[t0, t0 + 2 ** 32 - 1, t0 + 5], 4],
      [[t0, t0 + 2 ** 32, -5], 8],
      [[Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 3, Number.MAX_SAFE_INTEGER - 70_000], 4],
    ];
    const vs = [1.5, NaN, -0];
    for (const [ts, w] of cases) {
      const rec = compact(ts, vs, [2, 0, 1]);
      expect(rec[0]).toBe(WAL_RECORD_VERSION_COMPACT);
      expect(rec[2]).toBe(w);
      const got = decodeWalRecord(rec, 7);
      if (got.type !== 'samples') throw new Error('not samples');
      expect(Array.from(got.seriesIds)).toEqual([series[2]!.id, series[0]!.id, series[1]!.id]);
      expect(Array.from(got.timestamps)).toEqual(ts);
      expect(
        Object.is(got.values[2], -0) && Number.isNaN(got.values[1]) && got.values[0] === 1.5,
      ).toBe(true);
    }
    const n = 4096;
    const big = compact(
      Array.from({ length: n }, (_, i) => t0 + (i < 2000 ? 0 : 1000)),
      new Array(n).fill(1),
      new Array(n).fill(1),
    );
    const v1 = encodeSamplesRecord(
      new Array(n).fill(1n),
      new Array(n).fill(t0),
      new Array(n).fill(1),
      n,
    );
    expect(big.length).toBe(16 + n * 18 + 4);
    expect(big.length / v1.length).toBeLessThan(0.76);
  });

  it('decodes from a Buffer view at an odd offset into a larger pool (as LMDB hands them out)', () => {
    const rec = compact([5000, 6000, 7000], [1, 2, 3], [1, 1, 0]);
    const pool = Buffer.alloc(rec.length + 11, 0xee);
    pool.set(rec, 3);
    const view = pool.subarray(3, 3 + rec.length);
    const got = decodeWalRecord(view, 1);
    if (got.type !== 'samples') throw new Error('not samples');
    expect(Array.from(got.timestamps)).toEqual([5000, 6000, 7000]);
    expect(Array.from(got.values)).toEqual([1, 2, 3]);
    expect(Array.from(got.seriesIds)).toEqual([series[1]!.id, series[1]!.id, series[0]!.id]);
    pool.fill(0); // the decoded arrays are copies
    expect(Array.from(got.values)).toEqual([1, 2, 3]);
  });

  it('writes the same bytes from MemSeries id halves as from BigInt ids', () => {
    const mem = series.map((s, i) => new MemSeries(s.id, i, 0));
    const slots = Int32Array.from([2, 1, 0, 1]);
    const ts = Float64Array.from([1, 2, 3, 4]);
    const vs = Float64Array.from([5, 6, 7, 8]);
    const a = encodeSamplesRecordFromSlots(mem, slots, ts, vs, 4);
    const b = encodeSamplesRecordFromSlots(series, slots, ts, vs, 4);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const head = new Head();
    for (let i = 0; i < 300; i++) head.getOrCreate(BigInt(i) * 0x1_0000_0001n); // grows the id table
    for (const s of series) head.getOrCreate(s.id);
    const slotsInHead = Int32Array.from([302, 301, 300, 301]);
    const c = encodeSamplesRecordFromSlots(head.series, slotsInHead, ts, vs, 4, head.idWords);
    expect(Buffer.from(c).equals(Buffer.from(b))).toBe(true);
  });

  it('round-trips an empty record', () => {
    const rec = compact([], [], []);
    const got = decodeWalRecord(rec, 1);
    expect(got.type === 'samples' && got.seriesIds.length).toBe(0);
  });

  it('refuses bad widths, counts, reserved bytes, types, short records and flipped bits', () => {
    const rec = compact([1000, 1300, 1200], [1, 2, 3], [0, 1, 2]);
    const set = (at: number, v: number): Uint8Array => {
      const b = rec.slice();
      b[at] = v;
      return reseal(b);
    };
    expect(() => decodeWalRecord(set(2, 3), 1)).toThrow(/width/);
    expect(() => decodeWalRecord(set(3, 1), 1)).toThrow(/reserved/);
    expect(() => decodeWalRecord(set(1, 2), 1)).toThrow(/type/);
    expect(() => decodeWalRecord(set(4, 4), 1)).toThrow(/count/);
    expect(() => decodeWalRecord(reseal(rec.subarray(0, 16)), 1)).toThrow(WalCorruptError);
    const nanBase = rec.slice();
    new DataView(nanBase.buffer).setFloat64(8, 0.5, true);
    expect(() => decodeWalRecord(reseal(nanBase), 1)).toThrow(/base timestamp/);
    for (let bit = 0; bit < rec.length * 8; bit++) {
      const b = rec.slice();
      b[bit >>> 3] = b[bit >>> 3]! ^ (1 << (bit & 7));
      expect(() => decodeWalRecord(b, 9)).toThrow(WalCorruptError);
    }
    for (let cut = 0; cut < rec.length; cut++)
      expect(() => decodeWalRecord(rec.subarray(0, cut), 9)).toThrow(WalCorruptError);
  });
});
