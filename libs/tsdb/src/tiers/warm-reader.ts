import { decodeChunkInto, decodeChunkPicked } from '@ztsdb/chunkenc';
import { crc32c } from '@ztsdb/checksum';
import { CorruptionError } from '@ztsdb/errors';
import { MappedFile } from '@ztsdb/fileutil';
import { WarmCorruptError, type SkipSink } from '../errors';
import { clipRange, lowerBound, upperBound, type VersionedPoints } from '../encoding/points';
import { thinIndexes, type StepInstants } from '../encoding/step-thin';
import type { SealedChunk } from '../head/sealed-chunk';
import {
  WARM_CHUNK_ENTRY_BYTES,
  WARM_FOOTER_BYTES,
  WARM_HEADER_BYTES,
  WARM_MAGIC,
  WARM_SERIES_ENTRY_BYTES,
  WARM_MIN_VERSION,
  WARM_VERSION,
} from './warm-format';

const TWO_32 = 2 ** 32;

/** Most points a chunk holds (docs/format/chunk.md): the step-aware read's decode scratch. */
const MAX_CHUNK_POINTS = 8192;
const scratchT = new Float64Array(MAX_CHUNK_POINTS);
const scratchV = new Float64Array(MAX_CHUNK_POINTS);
const scratchKeep = new Uint32Array(2 * MAX_CHUNK_POINTS);

/**
 * Reads a warm segment in place (through mmap when opened from a path). The
 * header, footer and index are checked at open (WarmCorruptError: the file is
 * unusable); each chunk's CRC-32C is checked when read, and a bad chunk is
 * reported to the skip sink and left out. A file opened from a path is
 * immutable (files are written once, renamed into place and never rewritten),
 * so each of its chunks is checked on its first read only: checking every chunk
 * on every read was the largest cost of a query whose points were not cached.
 * A failed check is not remembered (it is reported on every read); a buffer
 * given to fromBuffer() belongs to the caller and is checked on every read.
 */
export class WarmReader {
  readonly partition: number;
  readonly seriesCount: number;
  readonly chunkCount: number;
  readonly minT: number;
  readonly maxT: number;
  private readonly series = new Map<bigint, { first: number; n: number }>();
  private readonly ids: bigint[] = [];
  private readonly cMinT: Float64Array;
  private readonly cMaxT: Float64Array;
  private readonly cVersion: Float64Array;
  private readonly cOffset: Float64Array;
  private readonly cLength: Uint32Array;
  private readonly cCount: Uint32Array;
  private readonly cCrc: Uint32Array;
  /** 1 for a chunk whose CRC-32C passed (mapped files only: their bytes never change). */
  private readonly verified: Uint8Array | null;
  private verifiedN = 0;

  private constructor(
    readonly file: string,
    private readonly buf: Uint8Array,
    private readonly mapped: MappedFile | null,
  ) {
    const fail = (m: string, offset: number): WarmCorruptError =>
      new WarmCorruptError(`${file}: ${m}`, { file, offset });
    const len = buf.length;
    if (len < WARM_HEADER_BYTES + WARM_FOOTER_BYTES)
      throw fail(`${len} bytes is too short for a warm segment`, 0);
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const f = len - WARM_FOOTER_BYTES;
    const footerCrc = crc32c(buf, f, f + 48, crc32c(buf, 0, WARM_HEADER_BYTES));
    if (footerCrc !== dv.getUint32(f + 48, true)) throw fail('footer CRC-32C mismatch', f + 48);
    if (dv.getUint32(0, true) !== WARM_MAGIC || dv.getUint32(f + 44, true) !== WARM_MAGIC)
      throw fail('bad magic', 0);
    if (buf[4]! < WARM_MIN_VERSION || buf[4]! > WARM_VERSION)
      throw fail(`unsupported version ${buf[4]}`, 4);
    if (buf[5] !== 0 || dv.getUint16(6, true) !== 0 || dv.getUint32(12, true) !== 0)
      throw fail('reserved header bytes set', 5);
    this.partition = dv.getUint32(8, true);
    const u64 = (o: number): number => dv.getUint32(o + 4, true) * TWO_32 + dv.getUint32(o, true);
    const indexOffset = u64(f);
    const indexLength = u64(f + 8);
    this.seriesCount = dv.getUint32(f + 16, true);
    this.chunkCount = dv.getUint32(f + 20, true);
    this.minT = dv.getFloat64(f + 24, true);
    this.maxT = dv.getFloat64(f + 32, true);
    if (indexOffset < WARM_HEADER_BYTES || indexOffset + indexLength !== f)
      throw fail('index bounds do not match the file', f);
    if (
      indexLength !==
      this.seriesCount * WARM_SERIES_ENTRY_BYTES + this.chunkCount * WARM_CHUNK_ENTRY_BYTES
    ) {
      throw fail('index length does not match its counts', f + 8);
    }
    if (crc32c(buf, indexOffset, f) !== dv.getUint32(f + 40, true))
      throw fail('index CRC-32C mismatch', indexOffset);
    const n = this.chunkCount;
    this.cMinT = new Float64Array(n);
    this.cMaxT = new Float64Array(n);
    this.cVersion = new Float64Array(n);
    this.cOffset = new Float64Array(n);
    this.cLength = new Uint32Array(n);
    this.cCount = new Uint32Array(n);
    this.cCrc = new Uint32Array(n);
    this.verified = mapped ? new Uint8Array(n) : null;
    let p = indexOffset;
    let c = 0;
    let expectOffset = WARM_HEADER_BYTES;
    for (let s = 0; s < this.seriesCount; s++) {
      const id = dv.getBigUint64(p, true);
      const k = dv.getUint32(p + 8, true);
      p += WARM_SERIES_ENTRY_BYTES;
      if (c + k > n || this.series.has(id))
        throw fail('bad series entry', p - WARM_SERIES_ENTRY_BYTES);
      this.series.set(id, { first: c, n: k });
      this.ids.push(id);
      for (let j = 0; j < k; j++, c++, p += WARM_CHUNK_ENTRY_BYTES) {
        this.cMinT[c] = dv.getFloat64(p, true);
        this.cMaxT[c] = dv.getFloat64(p + 8, true);
        this.cVersion[c] = u64(p + 16);
        this.cOffset[c] = u64(p + 24);
        this.cLength[c] = dv.getUint32(p + 32, true);
        this.cCount[c] = dv.getUint32(p + 36, true);
        this.cCrc[c] = dv.getUint32(p + 40, true);
        if (this.cOffset[c] !== expectOffset)
          throw fail('chunks do not tile the data region', p + 24);
        expectOffset += this.cLength[c]!;
      }
    }
    if (c !== n || expectOffset !== indexOffset)
      throw fail('chunk entries do not cover the data region', indexOffset);
  }

  /** Maps `path` and checks its structure. Throws WarmCorruptError or a file-system error. */
  static open(path: string): WarmReader {
    const mf = MappedFile.open(path);
    try {
      return new WarmReader(path, mf.buffer, mf);
    } catch (err) {
      mf.close();
      throw err;
    }
  }

  /** Reads a segment held in memory (tests, network copies). */
  static fromBuffer(buf: Uint8Array, name = '<buffer>'): WarmReader {
    return new WarmReader(name, buf, null);
  }

  seriesIds(): readonly bigint[] {
    return this.ids;
  }

  /** Points of one series within [start, end], one entry per chunk; damaged chunks go to onSkip. */
  read(seriesId: bigint, start: number, end: number, onSkip?: SkipSink): VersionedPoints[] {
    const out: VersionedPoints[] = [];
    if (end < this.minT || start > this.maxT) return out;
    const e = this.series.get(seriesId);
    if (e === undefined) return out;
    for (let c = e.first; c < e.first + e.n; c++) {
      if (this.cMaxT[c]! < start || this.cMinT[c]! > end) continue;
      const pts = this.decode(c, seriesId, onSkip);
      if (pts) out.push(clipRange(pts, start, end));
    }
    return out;
  }

  /**
   * Only the points of one series within [start, end] that step sampling at `inst` needs
   * (step-thin.ts), one entry per chunk that has any. Chunks are decoded into a shared scratch,
   * so the read allocates just what it keeps; damaged chunks go to onSkip as for read().
   */
  readAtInstants(
    seriesId: bigint,
    start: number,
    end: number,
    inst: StepInstants,
    onSkip?: SkipSink,
  ): VersionedPoints[] {
    const out: VersionedPoints[] = [];
    if (end < this.minT || start > this.maxT) return out;
    const e = this.series.get(seriesId);
    if (e === undefined) return out;
    // Values not decoded yet (packed chunks) are decimals, never NaN: nothing to drop.
    const plain: StepInstants = { first: inst.first, step: inst.step, count: inst.count };
    const pick = (ts: Float64Array, vs: Float64Array | null, n: number, keep: Uint32Array) => {
      const a = start <= ts[0]! ? 0 : lowerBound(ts, start, 0, n);
      const b = end >= ts[n - 1]! ? n : upperBound(ts, end, a, n);
      return b <= a ? 0 : thinIndexes(ts, vs ?? ts, a, b, vs ? inst : plain, keep, 0);
    };
    for (let c = e.first; c < e.first + e.n; c++) {
      if (this.cMaxT[c]! < start || this.cMinT[c]! > end) continue;
      const kept = this.decodePicked(c, seriesId, pick, onSkip);
      if (kept <= 0) continue;
      const timestamps = new Float64Array(kept);
      const values = new Float64Array(kept);
      for (let k = 0; k < kept; k++) {
        const j = scratchKeep[k]!;
        timestamps[k] = scratchT[j]!;
        values[k] = scratchV[j]!;
      }
      out.push({ timestamps, values, version: this.cVersion[c]! });
    }
    return out;
  }

  /** Every intact chunk (bytes are views into the file: copy before close()). */
  chunks(onSkip?: SkipSink): SealedChunk[] {
    const out: SealedChunk[] = [];
    for (const id of this.ids) {
      const e = this.series.get(id)!;
      for (let c = e.first; c < e.first + e.n; c++) {
        const bytes = this.checkedBytes(c, id, onSkip);
        if (!bytes) continue;
        out.push({
          seriesId: id,
          minT: this.cMinT[c]!,
          maxT: this.cMaxT[c]!,
          count: this.cCount[c]!,
          version: this.cVersion[c]!,
          bytes,
        });
      }
    }
    return out;
  }

  /** Chunks whose CRC-32C has been checked and passed and is not checked again. */
  get verifiedChunks(): number {
    return this.verifiedN;
  }

  private checkedBytes(c: number, seriesId: bigint, onSkip?: SkipSink): Uint8Array | null {
    const off = this.cOffset[c]!;
    const len = this.cLength[c]!;
    const known = this.verified;
    if (known !== null && known[c] === 1) return this.buf.subarray(off, off + len);
    if (crc32c(this.buf, off, off + len) !== this.cCrc[c]) {
      onSkip?.(
        new WarmCorruptError(
          `${this.file}: chunk at offset ${off} (series ${seriesId}) fails its CRC-32C`,
          { file: this.file, offset: off, seriesId },
        ),
      );
      return null;
    }
    if (known !== null) {
      known[c] = 1;
      this.verifiedN++;
    }
    return this.buf.subarray(off, off + len);
  }

  private decode(c: number, seriesId: bigint, onSkip?: SkipSink): VersionedPoints | null {
    const count = this.cCount[c]!;
    if (count > MAX_CHUNK_POINTS)
      return this.corrupt(c, seriesId, `index says ${count} points`, onSkip);
    // Arrays of their own (not views into decodeChunk's shared slab): readers keep them
    // (the query service's decoded cache), and a view would cost a copy there.
    const timestamps = new Float64Array(count);
    const values = new Float64Array(count);
    const n = this.decodeInto(c, seriesId, timestamps, values, onSkip);
    return n < 0 ? null : { timestamps, values, version: this.cVersion[c]! };
  }

  /** Decodes chunk `c` into the arrays (room for its count); -1 when it is damaged (reported). */
  private decodeInto(
    c: number,
    seriesId: bigint,
    timestamps: Float64Array,
    values: Float64Array,
    onSkip?: SkipSink,
  ): number {
    return this.decodeChecked(c, seriesId, onSkip, (bytes, n) => {
      decodeChunkInto(bytes, timestamps, values, false);
      return n;
    });
  }

  /** Decodes chunk `c` into the scratch keeping `pick`'s points; -1 when damaged (reported). */
  private decodePicked(
    c: number,
    seriesId: bigint,
    pick: (ts: Float64Array, vs: Float64Array | null, n: number, keep: Uint32Array) => number,
    onSkip?: SkipSink,
  ): number {
    return this.decodeChecked(c, seriesId, onSkip, (bytes) =>
      decodeChunkPicked(bytes, scratchT, scratchV, scratchKeep, pick, false),
    );
  }

  /**
   * Runs `decode` on chunk `c`'s checked bytes once their point count agrees with the index;
   * -1 when the chunk is damaged (reported to `onSkip`).
   */
  private decodeChecked(
    c: number,
    seriesId: bigint,
    onSkip: SkipSink | undefined,
    decode: (bytes: Uint8Array, n: number) => number,
  ): number {
    const bytes = this.checkedBytes(c, seriesId, onSkip);
    if (!bytes) return -1;
    try {
      const n = bytes.length >= 3 ? (bytes[1]! << 8) | bytes[2]! : -1;
      if (n !== this.cCount[c])
        throw new WarmCorruptError(`chunk holds ${n} points, index says ${this.cCount[c]}`);
      return decode(bytes, n);
    } catch (err) {
      if (!(err instanceof CorruptionError)) throw err;
      this.corrupt(c, seriesId, err.message, onSkip, err);
      return -1;
    }
  }

  private corrupt(
    c: number,
    seriesId: bigint,
    message: string,
    onSkip?: SkipSink,
    cause?: unknown,
  ): null {
    const off = this.cOffset[c]!;
    onSkip?.(
      new WarmCorruptError(
        `${this.file}: chunk at offset ${off} (series ${seriesId}): ${message}`,
        { file: this.file, offset: off, seriesId },
        cause === undefined ? undefined : { cause },
      ),
    );
    return null;
  }

  close(): void {
    this.mapped?.close();
  }
}
