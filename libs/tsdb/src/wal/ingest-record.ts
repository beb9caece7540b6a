import { crc32c } from '@ztsdb/checksum';
import type { HeldChunk, HotState } from '../head/hot-state';

// The `ingest` record of `imeta`: the sequences kept beside the head snapshot
// (docs/format/ingestor-wal.md). Errors are plain: LocalLog.recover reports
// them as a WalCorruptError naming the file and the key.

const EXTRAS_VERSION = 1;

/** [version u8][reserved ×3][crc32c u32 of the rest][appliedSeq f64][S u32][K u32][S×f64 open][S×f64 ooo][K×f64 firstSeq][K×u8 published] */
export function encodeExtras(state: HotState, held: HeldChunk[]): Buffer {
  const { open, ooo } = state.firstSeqs();
  const s = open.length;
  const k = held.length;
  const b = Buffer.alloc(8 + 16 + 16 * s + 9 * k);
  b[0] = EXTRAS_VERSION;
  let off = 8;
  b.writeDoubleLE(state.appliedSeq, off);
  b.writeUInt32LE(s, off + 8);
  b.writeUInt32LE(k, off + 12);
  off += 16;
  for (let i = 0; i < s; i++, off += 8) b.writeDoubleLE(open[i]!, off);
  for (let i = 0; i < s; i++, off += 8) b.writeDoubleLE(ooo[i]!, off);
  for (let i = 0; i < k; i++, off += 8) b.writeDoubleLE(held[i]!.firstSeq, off);
  for (let i = 0; i < k; i++, off++) b[off] = held[i]!.published ? 1 : 0;
  b.writeUInt32LE(crc32c(b, 8, b.length), 4);
  return b;
}

export function decodeExtras(b: Buffer): {
  appliedSeq: number;
  open: Float64Array;
  ooo: Float64Array;
  firstSeqs: Float64Array;
  published: Uint8Array;
} {
  if (b.length < 24 || b[0] !== EXTRAS_VERSION) throw new Error('bad ingest record header');
  if (crc32c(b, 8, b.length) !== b.readUInt32LE(4))
    throw new Error('ingest record CRC-32C mismatch');
  const appliedSeq = b.readDoubleLE(8);
  const s = b.readUInt32LE(16);
  const k = b.readUInt32LE(20);
  if (b.length !== 24 + 16 * s + 9 * k) throw new Error('ingest record length mismatch');
  let off = 24;
  const read = (n: number) => {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++, off += 8) a[i] = b.readDoubleLE(off);
    return a;
  };
  const open = read(s);
  const ooo = read(s);
  const firstSeqs = read(k);
  const published = new Uint8Array(b.subarray(off, off + k));
  return { appliedSeq, open, ooo, firstSeqs, published };
}
