import { crc32c } from '@ztsdb/checksum';
import { ByteReader } from './byte-io';
import { WalCorruptError } from './errors';

export const WAL_RECORD_VERSION = 1;
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
  if (bytes.length < WAL_HEADER_BYTES + WAL_TRAILER_BYTES) throw fail(`only ${bytes.length} bytes`, 0);
  const r = new ByteReader(bytes, 0, bytes.length - WAL_TRAILER_BYTES, fail);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stored = dv.getUint32(bytes.length - 4, true);
  const actual = crc32c(bytes, 0, bytes.length - 4);
  if (stored !== actual) throw fail(`CRC-32C mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`, bytes.length - 4);
  const version = r.u8();
  if (version !== WAL_RECORD_VERSION) throw fail(`unknown version ${version}`, 0);
  const type = r.u8();
  r.zero(2, 'header');
  const count = r.u32();
  if (type === WAL_RECORD_SAMPLES) {
    if (r.remaining !== count * 24) throw fail(`count ${count} does not match ${r.remaining} payload bytes`, 4);
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

/** Samples record built from head slots (the drain path, no per-sample allocation). */
export function encodeSamplesRecordFromSlots(
  series: readonly { id: bigint }[],
  slots: Int32Array,
  ts: Float64Array,
  vs: Float64Array,
  n: number,
): Uint8Array {
  const out = new Uint8Array(WAL_HEADER_BYTES + n * 24 + WAL_TRAILER_BYTES);
  const dv = new DataView(out.buffer);
  out[0] = WAL_RECORD_VERSION;
  out[1] = WAL_RECORD_SAMPLES;
  dv.setUint32(4, n, true);
  const idArr = new BigUint64Array(out.buffer, WAL_HEADER_BYTES, n);
  for (let i = 0; i < n; i++) idArr[i] = series[slots[i]!]!.id;
  new Float64Array(out.buffer, WAL_HEADER_BYTES + n * 8, n).set(ts.subarray(0, n));
  new Float64Array(out.buffer, WAL_HEADER_BYTES + n * 16, n).set(vs.subarray(0, n));
  dv.setUint32(out.length - 4, crc32c(out, 0, out.length - 4), true);
  return out;
}
