import { crc32c } from '@ztsdb/checksum';
import { readTimestampColumn, writeTimestampColumn } from './timestamp-column';
import { WireDecodeError, WIRE_ERROR_CODES } from './errors';

/** "ZTHR" as a little-endian u32. */
export const HOT_REPLY_MAGIC = 0x5248545a;
/** Version 2 adds part index and part count (bytes 12–15, zero in version 1). */
export const HOT_REPLY_VERSION = 2;
const HEADER = 16;
const SERIES_HEADER = 16;
const TRAILER = 4;
/** Most points one series block may carry; the query service's own limit is lower. */
export const HOT_REPLY_MAX_POINTS = 1 << 24;
/** Most parts one reply may be split into (u16 part count). */
export const HOT_REPLY_MAX_PARTS = 0xffff;
/** Smallest part size `encodeHotReplyParts` accepts: a header, one point and the checksum. */
export const HOT_REPLY_MIN_PART_BYTES = HEADER + SERIES_HEADER + 16 + TRAILER;

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

/** One message of a reply split into `parts` messages; `part` counts from 0. */
export interface HotReplyPart extends HotReply {
  part: number;
  parts: number;
}

function encodedSize(series: readonly SeriesPoints[]): number {
  let size = HEADER + TRAILER;
  for (const s of series) size += SERIES_HEADER + s.timestamps.length * 16;
  return size;
}

function encodePart(
  partition: number,
  series: readonly SeriesPoints[],
  part: number,
  parts: number,
): Uint8Array {
  const bytes = new Uint8Array(encodedSize(series));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, HOT_REPLY_MAGIC, true);
  view.setUint8(4, HOT_REPLY_VERSION);
  view.setUint16(6, partition, true);
  view.setUint32(8, series.length, true);
  view.setUint16(12, part, true);
  view.setUint16(14, parts, true);
  let off = HEADER;
  for (const s of series) {
    const n = s.timestamps.length;
    view.setBigUint64(off, s.id, true);
    view.setUint32(off + 8, n, true);
    off += SERIES_HEADER;
    writeTimestampColumn(new Uint32Array(bytes.buffer, off, n * 2), s.timestamps, n);
    off += n * 8;
    new Float64Array(bytes.buffer, off, n).set(s.values.subarray(0, n));
    off += n * 8;
  }
  view.setUint32(off, crc32c(bytes, 0, off), true);
  return bytes;
}

/** Encodes a whole reply as one message (part 0 of 1), whatever its size. */
export function encodeHotReply(reply: HotReply): Uint8Array {
  return encodePart(reply.partition, reply.series, 0, 1);
}

/**
 * Encodes a reply as messages of at most `maxBytes` each (part i of n). A
 * series whose points do not fit in the rest of a part continues in the next
 * part, so its pieces are in consecutive parts and in timestamp order. Every
 * series of the reply appears, an empty one as a block of no points.
 */
export function encodeHotReplyParts(reply: HotReply, maxBytes: number): Uint8Array[] {
  if (!(maxBytes >= HOT_REPLY_MIN_PART_BYTES)) {
    throw new RangeError(
      `a hot reply part needs at least ${HOT_REPLY_MIN_PART_BYTES} bytes; got ${maxBytes}`,
    );
  }
  if (encodedSize(reply.series) <= maxBytes) return [encodeHotReply(reply)];
  const groups: SeriesPoints[][] = [];
  let cur: SeriesPoints[] = [];
  let used = HEADER + TRAILER;
  const flush = (): void => {
    groups.push(cur);
    cur = [];
    used = HEADER + TRAILER;
  };
  for (const s of reply.series) {
    const n = s.timestamps.length;
    let off = 0;
    let placed = false;
    while (!placed || off < n) {
      const room = Math.floor((maxBytes - used - SERIES_HEADER) / 16);
      // A block needs its header and, unless the series is empty, at least one point.
      if (room < 0 || (room === 0 && n > 0)) {
        flush();
        continue;
      }
      const take = Math.min(room, n - off);
      cur.push(
        take === n
          ? s
          : {
              id: s.id,
              timestamps: s.timestamps.subarray(off, off + take),
              values: s.values.subarray(off, off + take),
            },
      );
      used += SERIES_HEADER + take * 16;
      off += take;
      placed = true;
    }
  }
  if (cur.length > 0) flush();
  if (groups.length > HOT_REPLY_MAX_PARTS) {
    throw new RangeError(
      `the hot reply would need ${groups.length} parts of ${maxBytes} bytes, more than ${HOT_REPLY_MAX_PARTS}`,
    );
  }
  return groups.map((g, i) => encodePart(reply.partition, g, i, groups.length));
}

/** Decodes one message of a hot reply (version 1 or 2); a version 1 message is part 0 of 1. */
export function decodeHotReplyPart(message: Uint8Array): HotReplyPart {
  if (message.length < HEADER + TRAILER)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireShort,
      `hot reply of ${message.length} bytes is too short`,
    );
  const bytes = message.byteOffset % 8 === 0 ? message : new Uint8Array(message);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== HOT_REPLY_MAGIC)
    throw new WireDecodeError(WIRE_ERROR_CODES.wireMagic, 'not a hot reply', { offset: 0 });
  const version = view.getUint8(4);
  if (version !== 1 && version !== 2)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireVersion,
      `hot reply version ${version} is not supported`,
      { offset: 4 },
    );
  const end = bytes.length - TRAILER;
  if (view.getUint32(end, true) !== crc32c(bytes, 0, end))
    throw new WireDecodeError(WIRE_ERROR_CODES.wireChecksum, 'hot reply checksum mismatch', {
      offset: end,
    });
  const part = version === 1 ? 0 : view.getUint16(12, true);
  const parts = version === 1 ? 1 : view.getUint16(14, true);
  if ((version === 1 && view.getUint32(12, true) !== 0) || parts === 0 || part >= parts)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireLength,
      `hot reply claims to be part ${part} of ${parts}`,
      { offset: 12 },
    );
  const count = view.getUint32(8, true);
  if (count > (end - HEADER) / SERIES_HEADER)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireLength,
      `hot reply claims ${count} series in ${bytes.length} bytes`,
      { offset: 8 },
    );
  const series: SeriesPoints[] = [];
  let off = HEADER;
  for (let s = 0; s < count; s++) {
    if (off + SERIES_HEADER > end)
      throw new WireDecodeError(
        WIRE_ERROR_CODES.wireLength,
        `hot reply series ${s} starts past the end`,
        {
          offset: off,
        },
      );
    const id = view.getBigUint64(off, true);
    const n = view.getUint32(off + 8, true);
    off += SERIES_HEADER;
    if (n > HOT_REPLY_MAX_POINTS || off + n * 16 > end)
      throw new WireDecodeError(
        WIRE_ERROR_CODES.wireLength,
        `hot reply series ${s} claims ${n} points past the end`,
        { offset: off - 8 },
      );
    const timestamps = readTimestampColumn(
      new Int32Array(bytes.buffer, bytes.byteOffset + off, n * 2),
      n,
    );
    off += n * 8;
    const values = new Float64Array(
      bytes.buffer.slice(bytes.byteOffset + off, bytes.byteOffset + off + n * 8),
    );
    off += n * 8;
    series.push({ id, timestamps, values });
  }
  if (off !== end)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireLength,
      `hot reply has ${end - off} bytes after its last series`,
      { offset: off },
    );
  return { partition: view.getUint16(6, true), part, parts, series };
}

/** Decodes a reply sent as one message; a part of a longer reply is refused (`ZTSDB_WIRE_PARTIAL`). */
export function decodeHotReply(message: Uint8Array): HotReply {
  const r = decodeHotReplyPart(message);
  if (r.parts !== 1) {
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wirePartial,
      `hot reply message is part ${r.part + 1} of ${r.parts}; gather every part (HotReplyAssembler)`,
      { offset: 12 },
    );
  }
  return { partition: r.partition, series: r.series };
}
