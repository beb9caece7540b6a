import { crc32c } from '@ztsdb/checksum';
import { WireDecodeError } from './wire-errors';

/** "ZTHR" as a little-endian u32. */
export const HOT_REPLY_MAGIC = 0x5248545a;
export const HOT_REPLY_VERSION = 1;
const HEADER = 16;
const SERIES_HEADER = 16;
/** Most points one reply may carry; the query service's own limit is lower. */
export const HOT_REPLY_MAX_POINTS = 1 << 24;

/** Points of one series, in timestamp order. */
export interface SeriesPoints {
  id: bigint;
  timestamps: Float64Array;
  values: Float64Array;
}

export interface HotReply {
  partition: number;
  series: SeriesPoints[];
}

/** Encodes the hot data a partition owner returns for `ztsdb.hot.p.<n>`. */
export function encodeHotReply(reply: HotReply): Uint8Array {
  let size = HEADER + 4;
  for (const s of reply.series) size += SERIES_HEADER + s.timestamps.length * 16;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, HOT_REPLY_MAGIC, true);
  view.setUint8(4, HOT_REPLY_VERSION);
  view.setUint16(6, reply.partition, true);
  view.setUint32(8, reply.series.length, true);
  let off = HEADER;
  for (const s of reply.series) {
    const n = s.timestamps.length;
    view.setBigUint64(off, s.id, true);
    view.setUint32(off + 8, n, true);
    off += SERIES_HEADER;
    const halves = new Uint32Array(bytes.buffer, off, n * 2);
    for (let i = 0; i < n; i++) {
      const t = s.timestamps[i]!;
      const hi = Math.floor(t / 4294967296);
      halves[2 * i] = t - hi * 4294967296;
      halves[2 * i + 1] = hi >>> 0;
    }
    off += n * 8;
    new Float64Array(bytes.buffer, off, n).set(s.values.subarray(0, n));
    off += n * 8;
  }
  view.setUint32(off, crc32c(bytes, 0, off), true);
  return bytes;
}

export function decodeHotReply(message: Uint8Array): HotReply {
  if (message.length < HEADER + 4)
    throw new WireDecodeError(
      'ZTSDB_WIRE_SHORT',
      `hot reply of ${message.length} bytes is too short`,
    );
  const bytes = message.byteOffset % 8 === 0 ? message : new Uint8Array(message);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== HOT_REPLY_MAGIC)
    throw new WireDecodeError('ZTSDB_WIRE_MAGIC', 'not a hot reply', { offset: 0 });
  if (view.getUint8(4) !== HOT_REPLY_VERSION)
    throw new WireDecodeError(
      'ZTSDB_WIRE_VERSION',
      `hot reply version ${view.getUint8(4)} is not supported`,
      { offset: 4 },
    );
  const end = bytes.length - 4;
  if (view.getUint32(end, true) !== crc32c(bytes, 0, end))
    throw new WireDecodeError('ZTSDB_WIRE_CHECKSUM', 'hot reply checksum mismatch', {
      offset: end,
    });
  const count = view.getUint32(8, true);
  if (count > (end - HEADER) / SERIES_HEADER)
    throw new WireDecodeError(
      'ZTSDB_WIRE_LENGTH',
      `hot reply claims ${count} series in ${bytes.length} bytes`,
      { offset: 8 },
    );
  const series: SeriesPoints[] = [];
  let off = HEADER;
  for (let s = 0; s < count; s++) {
    if (off + SERIES_HEADER > end)
      throw new WireDecodeError('ZTSDB_WIRE_LENGTH', `hot reply series ${s} starts past the end`, {
        offset: off,
      });
    const id = view.getBigUint64(off, true);
    const n = view.getUint32(off + 8, true);
    off += SERIES_HEADER;
    if (n > HOT_REPLY_MAX_POINTS || off + n * 16 > end)
      throw new WireDecodeError(
        'ZTSDB_WIRE_LENGTH',
        `hot reply series ${s} claims ${n} points past the end`,
        { offset: off - 8 },
      );
    const halves = new Int32Array(bytes.buffer, bytes.byteOffset + off, n * 2);
    const timestamps = new Float64Array(n);
    for (let i = 0; i < n; i++)
      timestamps[i] = halves[2 * i + 1]! * 4294967296 + (halves[2 * i]! >>> 0);
    off += n * 8;
    const values = new Float64Array(
      bytes.buffer.slice(bytes.byteOffset + off, bytes.byteOffset + off + n * 8),
    );
    off += n * 8;
    series.push({ id, timestamps, values });
  }
  if (off !== end)
    throw new WireDecodeError(
      'ZTSDB_WIRE_LENGTH',
      `hot reply has ${end - off} bytes after its last series`,
      { offset: off },
    );
  return { partition: view.getUint16(6, true), series };
}
