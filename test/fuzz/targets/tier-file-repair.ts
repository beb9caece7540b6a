import { crc32c } from '@ztsdb/checksum';

const FOOTER = 52;

interface Layout {
  header: number;
  seriesEntry: number;
  /** Byte offset of the chunk/block count in a series entry. */
  countAt: number;
  entry: number;
  /** In an entry: offset of the u64 data offset, then [length at, crc at] pairs. */
  offsetAt: number;
  spans: readonly (readonly [number, number])[];
}

export const WARM_LAYOUT: Layout = {
  header: 16,
  seriesEntry: 16,
  countAt: 8,
  entry: 48,
  offsetAt: 24,
  spans: [[32, 40]],
};

export const COLD_LAYOUT: Layout = {
  header: 32,
  seriesEntry: 24,
  countAt: 16,
  entry: 64,
  offsetAt: 32,
  spans: [
    [44, 52],
    [48, 56],
  ],
};

/**
 * A copy of a warm or cold file whose per-chunk (per-block) checksums, index
 * checksum and footer checksum match its bytes, wherever the index lets them
 * be found. Lets mutated files get past the checksums to the structure checks.
 */
export function repairTierFile(data: Uint8Array, l: Layout): Uint8Array {
  if (data.length < l.header + FOOTER) return data;
  const buf = new Uint8Array(data);
  const dv = new DataView(buf.buffer);
  const f = buf.length - FOOTER;
  const u64 = (o: number): number => dv.getUint32(o + 4, true) * 2 ** 32 + dv.getUint32(o, true);
  const indexOffset = u64(f);
  if (indexOffset >= l.header && indexOffset <= f) {
    let p = indexOffset;
    const seriesCount = dv.getUint32(f + 16, true);
    for (let s = 0; s < seriesCount && p + l.seriesEntry <= f; s++) {
      const k = dv.getUint32(p + l.countAt, true);
      p += l.seriesEntry;
      for (let j = 0; j < k && p + l.entry <= f; j++, p += l.entry) {
        let off = u64(p + l.offsetAt);
        for (const [lenAt, crcAt] of l.spans) {
          const len = dv.getUint32(p + lenAt, true);
          if (off + len > f) break;
          dv.setUint32(p + crcAt, crc32c(buf, off, off + len), true);
          off += len;
        }
      }
    }
    dv.setUint32(f + 40, crc32c(buf, indexOffset, f), true);
  }
  dv.setUint32(f + 48, crc32c(buf, f, f + 48, crc32c(buf, 0, l.header)), true);
  return buf;
}
