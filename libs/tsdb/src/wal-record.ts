import { crc32c } from '@ztsdb/checksum';
import { ByteReader } from './byte-io';
import { WalCorruptError } from './errors';

export const WAL_RECORD_VERSION = 1;
/** Compact samples record (the drain path): timestamps as narrow offsets from a base. */
export const WAL_RECORD_VERSION_COMPACT = 2;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Header of a compact samples record: version, type, ts width, reserved, count, base f64. */
export const WAL_COMPACT_HEADER_BYTES = 16;
export const WAL_RECORD_SAMPLES = 1;
export const WAL_RECORD_SEAL = 2;
export const WAL_HEADER_BYTES = 8;
export const WAL_TRAILER_BYTES = 4;

/** A decoded WAL record. `samples`: parallel arrays; `seal`: head.sealByAge(nowMs). */
export type WalRecord =
  | { type: 'samples'; seriesIds: BigUint64Array; timestamps: Float64Array; values: Float64Array }
  | { type: 'seal'; nowMs: number };

/**
 * Samples record: header [version u8][type u8][reserved u16][count u32], then
 * count × u64 series id, count × f64 timestamp, count × f64 value (all LE),
 * then CRC-32C (u32 LE) of every byte before it.
 */
export function encodeSamplesRecord(
  ids: ArrayLike<bigint>,
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  n: number,
): Uint8Array {
  const out = new Uint8Array(WAL_HEADER_BYTES + n * 24 + WAL_TRAILER_BYTES);
  const dv = new DataView(out.buffer);
  out[0] = WAL_RECORD_VERSION;
  out[1] = WAL_RECORD_SAMPLES;
  dv.setUint32(4, n, true);
  const idArr = new BigUint64Array(out.buffer, WAL_HEADER_BYTES, n);
  const tArr = new Float64Array(out.buffer, WAL_HEADER_BYTES + n * 8, n);
  const vArr = new Float64Array(out.buffer, WAL_HEADER_BYTES + n * 16, n);
  for (let i = 0; i < n; i++) {
    idArr[i] = ids[i]!;
    tArr[i] = ts[i]!;
    vArr[i] = vs[i]!;
  }
  dv.setUint32(out.length - 4, crc32c(out, 0, out.length - 4), true);
  return out;
}

/** Seal record: header with count 0, f64 nowMs, CRC-32C. */
export function encodeSealRecord(nowMs: number): Uint8Array {
  const out = new Uint8Array(WAL_HEADER_BYTES + 8 + WAL_TRAILER_BYTES);
  const dv = new DataView(out.buffer);
  out[0] = WAL_RECORD_VERSION;
  out[1] = WAL_RECORD_SEAL;
  dv.setFloat64(WAL_HEADER_BYTES, nowMs, true);
  dv.setUint32(out.length - 4, crc32c(out, 0, out.length - 4), true);
  return out;
}

/** Decodes one record; throws WalCorruptError (with `key`) on any mismatch. */
export function decodeWalRecord(bytes: Uint8Array, key: number): WalRecord {
  const fail = (message: string, offset: number): WalCorruptError =>
    new WalCorruptError(`WAL record ${key}: ${message}`, { key, offset });
  if (bytes.length < WAL_HEADER_BYTES + WAL_TRAILER_BYTES)
    throw fail(`only ${bytes.length} bytes`, 0);
  const r = new ByteReader(bytes, 0, bytes.length - WAL_TRAILER_BYTES, fail);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stored = dv.getUint32(bytes.length - 4, true);
  const actual = crc32c(bytes, 0, bytes.length - 4);
  if (stored !== actual)
    throw fail(
      `CRC-32C mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`,
      bytes.length - 4,
    );
  const version = r.u8();
  if (version === WAL_RECORD_VERSION_COMPACT) return decodeCompactSamples(bytes, fail);
  if (version !== WAL_RECORD_VERSION) throw fail(`unknown version ${version}`, 0);
  const type = r.u8();
  r.zero(2, 'header');
  const count = r.u32();
  if (type === WAL_RECORD_SAMPLES) {
    if (r.remaining !== count * 24)
      throw fail(`count ${count} does not match ${r.remaining} payload bytes`, 4);
    const seriesIds = r.u64Array(count);
    const timestamps = r.f64Array(count);
    const values = r.f64Array(count);
    return { type: 'samples', seriesIds, timestamps, values };
  }
  if (type === WAL_RECORD_SEAL) {
    if (count !== 0 || r.remaining !== 8) throw fail('bad seal record length', 4);
    return { type: 'seal', nowMs: r.f64() };
  }
  throw fail(`unknown record type ${type}`, 1);
}

/**
 * Samples record built from head slots (the drain path, no per-sample
 * allocation), in the compact layout (version 2, docs/format/wal.md):
 * [2][1][w][0][count u32][base f64] then count × u64 series id, count × f64
 * value, count × w-byte unsigned timestamp offsets from base (w = 0, 1, 2 or
 * 4; w = 8 means count × f64 absolute timestamps), then CRC-32C (u32 LE).
 */
export function encodeSamplesRecordFromSlots(
  series: readonly { id: bigint; idLo?: number; idHi?: number }[],
  slots: Int32Array,
  ts: Float64Array,
  vs: Float64Array,
  n: number,
  /** Optional ids by slot as (low, high) u32 pairs (Head.idWords): no per-sample object or BigInt access. */
  idsBySlot?: Uint32Array,
): Uint8Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const span = hi - lo;
  const w =
    n === 0
      ? 0
      : span === 0
        ? 0
        : span < 0x100
          ? 1
          : span < 0x10000
            ? 2
            : span < 0x100000000
              ? 4
              : 8;
  const padded = (n * w + 7) & ~7;
  const out = new Uint8Array(WAL_COMPACT_HEADER_BYTES + n * 16 + padded + WAL_TRAILER_BYTES);
  const buf = out.buffer;
  const dv = new DataView(buf);
  out[0] = WAL_RECORD_VERSION_COMPACT;
  out[1] = WAL_RECORD_SAMPLES;
  out[2] = w;
  dv.setUint32(4, n, true);
  dv.setFloat64(8, n === 0 ? 0 : lo, true);
  let fast = LITTLE_ENDIAN;
  if (fast && idsBySlot !== undefined) {
    const idWords = new Uint32Array(buf, WAL_COMPACT_HEADER_BYTES, n * 2);
    for (let i = 0; i < n; i++) {
      const slot = slots[i]!;
      idWords[2 * i] = idsBySlot[2 * slot]!;
      idWords[2 * i + 1] = idsBySlot[2 * slot + 1]!;
    }
  } else if (fast) {
    // Series that carry their id as two u32 halves (MemSeries): no BigInt conversion per sample.
    const idWords = new Uint32Array(buf, WAL_COMPACT_HEADER_BYTES, n * 2);
    for (let i = 0; i < n; i++) {
      const s = series[slots[i]!]!;
      const lo = s.idLo;
      const hi = s.idHi;
      if (lo === undefined || hi === undefined) {
        fast = false;
        break;
      }
      idWords[2 * i] = lo;
      idWords[2 * i + 1] = hi;
    }
  }
  if (!fast) {
    const idArr = new BigUint64Array(buf, WAL_COMPACT_HEADER_BYTES, n);
    for (let i = 0; i < n; i++) idArr[i] = series[slots[i]!]!.id;
  }
  new Float64Array(buf, WAL_COMPACT_HEADER_BYTES + n * 8, n).set(vs.subarray(0, n));
  const tOff = WAL_COMPACT_HEADER_BYTES + n * 16;
  if (w === 8) new Float64Array(buf, tOff, n).set(ts.subarray(0, n));
  else if (w === 4) {
    const a = new Uint32Array(buf, tOff, n);
    for (let i = 0; i < n; i++) a[i] = ts[i]! - lo;
  } else if (w === 2) {
    const a = new Uint16Array(buf, tOff, n);
    for (let i = 0; i < n; i++) a[i] = ts[i]! - lo;
  } else if (w === 1) {
    for (let i = 0; i < n; i++) out[tOff + i] = ts[i]! - lo;
  }
  dv.setUint32(out.length - 4, crc32c(out, 0, out.length - 4), true);
  return out;
}

/** Decodes a version-2 samples record (CRC already checked by the caller). */
function decodeCompactSamples(
  bytes: Uint8Array,
  fail: (message: string, offset: number) => WalCorruptError,
): WalRecord {
  const len = bytes.length;
  if (len < WAL_COMPACT_HEADER_BYTES + WAL_TRAILER_BYTES) throw fail(`only ${len} bytes`, 0);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[1] !== WAL_RECORD_SAMPLES) throw fail(`unknown compact record type ${bytes[1]}`, 1);
  const w = bytes[2]!;
  if (w !== 0 && w !== 1 && w !== 2 && w !== 4 && w !== 8)
    throw fail(`bad timestamp width ${w}`, 2);
  if (bytes[3] !== 0) throw fail('reserved header byte set', 3);
  const n = dv.getUint32(4, true);
  const padded = (n * w + 7) & ~7;
  if (len !== WAL_COMPACT_HEADER_BYTES + n * 16 + padded + WAL_TRAILER_BYTES)
    throw fail(`count ${n} does not match ${len} bytes`, 4);
  const base = dv.getFloat64(8, true);
  if (!Number.isSafeInteger(base)) throw fail(`base timestamp ${base} is not a safe integer`, 8);
  // Copy out of the LMDB buffer (it may be reused after the read) into an
  // own, aligned buffer. (Buffer#slice would return a view, not a copy.)
  const body = new Uint8Array(len - WAL_COMPACT_HEADER_BYTES - WAL_TRAILER_BYTES);
  body.set(bytes.subarray(WAL_COMPACT_HEADER_BYTES, len - WAL_TRAILER_BYTES));
  const seriesIds = new BigUint64Array(body.buffer, 0, n);
  const values = new Float64Array(body.buffer, n * 8, n);
  const timestamps = new Float64Array(n);
  const tOff = n * 16;
  if (w === 8) {
    timestamps.set(new Float64Array(body.buffer, tOff, n));
    for (let i = 0; i < n; i++)
      if (!Number.isSafeInteger(timestamps[i]!))
        throw fail(
          `timestamp ${timestamps[i]} is not a safe integer`,
          WAL_COMPACT_HEADER_BYTES + tOff + i * 8,
        );
  } else if (w === 4) {
    const a = new Uint32Array(body.buffer, tOff, n);
    for (let i = 0; i < n; i++) timestamps[i] = base + a[i]!;
  } else if (w === 2) {
    const a = new Uint16Array(body.buffer, tOff, n);
    for (let i = 0; i < n; i++) timestamps[i] = base + a[i]!;
  } else if (w === 1) {
    for (let i = 0; i < n; i++) timestamps[i] = base + body[tOff + i]!;
  } else timestamps.fill(base);
  if (
    w !== 8 &&
    w !== 0 &&
    n > 0 &&
    !Number.isSafeInteger(base + 0xffffffff) &&
    !timestamps.every(Number.isSafeInteger)
  ) {
    throw fail('timestamp outside the safe integer range', 8);
  }
  return { type: 'samples', seriesIds, timestamps, values };
}
